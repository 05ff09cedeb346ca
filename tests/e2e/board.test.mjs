// The demo board in Debian's Chromium against a live mock server: presence, live changes between two
// users, a server restart, and StrictMode's single socket. The steps run in order and share the pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, recordErrors, waitText, waitUntil } from '../lib/browser.mjs';
import { eventually, startDemo } from '../lib/demo.mjs';
import { metrics, rest, startServer, token } from '../lib/server.mjs';

const STEP = { timeout: 60_000 };

/**
 * Records the URL of every WebSocket the page opens and every frame it sends (installed before page
 * scripts). Vite's dev client opens its own socket; planwire's is the one to `/ws`.
 */
function instrumentWebSocket() {
  const Native = window.WebSocket;
  const seen = { urls: [], sent: [] };
  window.__planwireSockets = seen;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      seen.urls.push(String(args[0]));
    }
    send(data) {
      seen.sent.push(String(data));
      return super.send(data);
    }
  };
}

describe('demo board in Chromium', { timeout: 300_000 }, () => {
  let server;
  let demo;
  let browser;
  const pages = {};
  const errors = {};
  const wasmLoads = {};

  /** Opens the board as `user` in a fresh browser context. */
  async function open(user) {
    const context = await browser.newContext();
    await context.addInitScript(instrumentWebSocket);
    const page = await context.newPage();
    errors[user] = recordErrors(page);
    // The module is fetched from beside the package's JavaScript (never its inlined base64 fallback).
    const loads = (wasmLoads[user] = []);
    page.on('response', (r) => /\.wasm$/.test(new URL(r.url()).pathname) && loads.push(`${r.status()} ${r.url()}`));
    page.on('request', (r) => /base64/i.test(new URL(r.url()).pathname) && loads.push(`inlined ${r.url()}`));
    await page.goto(`${demo.url}?user=${user}&server=${server.addr}&plan=123`);
    return page;
  }

  const taskTitles = (page) => page.locator('[data-testid="tasks"] [data-testid^="title-"]').allTextContents();
  const status = (page) => page.getAttribute('[data-testid="connection-status"]', 'data-status');

  before(async () => {
    server = await startServer();
    demo = await startDemo();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await server?.stop();
  });

  test('alice and bob on plan 123 both see 2 participants', STEP, async () => {
    pages.alice = await open('alice');
    pages.bob = await open('bob');
    for (const user of ['alice', 'bob']) {
      await waitText(pages[user], 'connection-status', 'connected');
      await waitText(pages[user], 'participant-count', '2');
      await waitText(pages[user], 'plan-title', 'Launch plan');
      const names = (await pages[user].textContent('[data-testid="participant-names"]')).split(', ').sort();
      assert.deepEqual(names, ['alice', 'bob']);
    }
    assert.equal((await taskTitles(pages.alice)).length, 5);
    for (const user of ['alice', 'bob']) {
      assert.equal(wasmLoads[user].length, 1, `${user}: one load of the module (${wasmLoads[user].join(', ')})`);
      assert.match(wasmLoads[user][0], /^200 .*\/planwire_bg\.wasm$/, `${user}: planwire_bg.wasm served beside the package`);
    }
  });

  test('a change made in one page appears in the other', STEP, async () => {
    const { alice, bob } = pages;
    // Add (alice → bob).
    await alice.fill('[data-testid="new-title"]', 'Print the launch banners');
    await alice.click('[data-testid="add"]');
    await waitUntil(bob, () => [...document.querySelectorAll('[data-testid^="title-"]')].some((e) => e.textContent === 'Print the launch banners'));
    const titles = await taskTitles(bob);
    assert.equal(titles.at(-1), 'Print the launch banners');

    // Toggle status (bob → alice): task 4 starts not_started.
    assert.equal(await alice.getAttribute('[data-testid="task-4"]', 'data-status'), 'not_started');
    await bob.click('[data-testid="toggle-4"]');
    await waitUntil(alice, () => document.querySelector('[data-testid="task-4"]')?.dataset.status === 'completed');
    await waitText(alice, 'progress', `3 of ${titles.length} done`);

    // Reorder (alice → bob): move the first task down.
    const before = await taskTitles(bob);
    await alice.click('[data-testid="down-1"]');
    const expected = [before[1], before[0], ...before.slice(2)];
    await eventually(async () => assert.deepEqual(await taskTitles(bob), expected));

    // Delete (bob → alice).
    await bob.click('[data-testid="delete-2"]');
    await waitUntil(alice, () => !document.querySelector('[data-testid="task-2"]'));
    assert.deepEqual(await taskTitles(alice), await taskTitles(bob));
  });

  test('after a server stop and restart on the same port both pages recover and keep syncing', STEP, async () => {
    const { alice, bob } = pages;
    const port = server.port;
    await server.stop();
    for (const page of [alice, bob]) {
      await waitUntil(page, () => document.querySelector('[data-testid="connection-status"]')?.dataset.status !== 'open');
      assert.notEqual(await status(page), 'open');
      assert.notEqual((await page.textContent('[data-testid="connection-status"]')).trim(), 'connected');
    }
    server = await startServer({ port });
    assert.equal(server.port, port);
    for (const page of [alice, bob]) {
      await waitText(page, 'connection-status', 'connected', 45_000);
      await waitText(page, 'participant-count', '2');
    }
    // The restarted server has fresh demo data; both pages reloaded it and still receive changes.
    await bob.fill('[data-testid="new-title"]', 'Written after the restart');
    await bob.click('[data-testid="add"]');
    await waitUntil(alice, () => [...document.querySelectorAll('[data-testid^="title-"]')].some((e) => e.textContent === 'Written after the restart'));
    await alice.click('[data-testid="toggle-5"]');
    await waitUntil(bob, () => document.querySelector('[data-testid="task-5"]')?.dataset.status === 'completed');
  });

  test("bob closing his page brings alice's count to 1", STEP, async () => {
    await pages.bob.context().close();
    await waitText(pages.alice, 'participant-count', '1');
    assert.equal((await pages.alice.textContent('[data-testid="participant-names"]')).trim(), 'alice');
  });

  test('a StrictMode page opens exactly one connection and sends one join-plan', STEP, async () => {
    await pages.alice.context().close();
    await eventually(async () => assert.equal((await metrics(server)).connections, 0));

    const page = await open('alice');
    await waitText(page, 'connection-status', 'connected');
    await waitText(page, 'participant-count', '1');
    // A change over REST reaches the page: by then any duplicate join or socket would have happened.
    const bobToken = await token(server, 2, 'bob');
    await rest(server, bobToken, 'POST', '/api/plans/123/tasks', { title: 'Seen by the StrictMode page' });
    await waitUntil(page, () => [...document.querySelectorAll('[data-testid^="title-"]')].some((e) => e.textContent === 'Seen by the StrictMode page'));

    assert.equal((await metrics(server)).connections, 1);
    const seen = await page.evaluate(() => window.__planwireSockets);
    const planwireSockets = seen.urls.filter((u) => new URL(u).pathname === '/ws');
    assert.equal(planwireSockets.length, 1, `sockets to /ws: ${JSON.stringify(seen.urls)}`);
    const joins = seen.sent.map((f) => JSON.parse(f)).filter((m) => m.type === 'join-plan');
    assert.deepEqual(joins.map((m) => m.planId), ['123'], `join-plan frames: ${JSON.stringify(seen.sent)}`);
    assert.ok(!seen.sent.some((f) => JSON.parse(f).type === 'leave-plan'), 'no leave-plan was sent');
    assert.deepEqual(errors.alice.filter((e) => !e.includes('WebSocket')), []);
    await page.context().close();
  });
});
