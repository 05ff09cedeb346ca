// The demo board (a kanban on `usePlan`) in Debian's Chromium against a live mock server: participants,
// live changes between two users (drag to another column, move buttons and Alt+arrows, add shown at once
// as pending then confirmed, toggle, rename, delete), a load error, a server restart, and StrictMode's
// single socket. The steps run in order and share the pages. Saves tests/.tmp/board.png (alice's board
// with a write pending and bob's marker).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchBrowser, recordErrors, waitText, waitUntil } from '../lib/browser.mjs';
import { eventually, startDemo } from '../lib/demo.mjs';
import { ROOT } from '../lib/paths.mjs';
import { metrics, rest, startServer, token } from '../lib/server.mjs';

const STEP = { timeout: 60_000 };
const SCREENSHOT = `${ROOT}/tests/.tmp/board.png`;
const COLUMNS = ['not_started', 'in_progress', 'completed'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  async function open(user, plan = '123') {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    await context.addInitScript(instrumentWebSocket);
    const page = await context.newPage();
    errors[user] = recordErrors(page);
    // The module is fetched from beside the package's JavaScript (never its inlined base64 fallback).
    const loads = (wasmLoads[user] = []);
    page.on('response', (r) => /\.wasm$/.test(new URL(r.url()).pathname) && loads.push(`${r.status()} ${r.url()}`));
    page.on('request', (r) => /base64/i.test(new URL(r.url()).pathname) && loads.push(`inlined ${r.url()}`));
    await page.goto(`${demo.url}?user=${user}&server=${server.addr}&plan=${plan}`);
    return page;
  }

  const taskTitles = (page) => page.locator('[data-testid="tasks"] [data-testid^="title-"]').allTextContents();
  /** The board as `{ not_started: ['4 Brief the support team', …], … }`: each column's cards, `id title`, top to bottom. */
  const board = (page) =>
    page.evaluate((columns) => {
      const out = {};
      for (const c of columns) {
        out[c] = [...document.querySelectorAll(`[data-testid="column-${c}"] [data-task-id]`)].map(
          (li) => `${li.dataset.taskId} ${li.querySelector('[data-testid^="title-"]').textContent}`,
        );
      }
      return out;
    }, COLUMNS);
  /** Resolves once task `id` is the card at `index` of `column` (`-1`: the last) on `page`. */
  const inColumn = (page, id, column, index) =>
    waitUntil(
      page,
      ([id, column, index]) => {
        const cards = [...document.querySelectorAll(`[data-testid="column-${column}"] [data-task-id]`)];
        const card = index < 0 ? cards.at(index) : cards[index];
        return card?.dataset.taskId === id && card.dataset.status === column && !card.dataset.pending;
      },
      [String(id), column, index],
    );
  /** Both pages show the same board, as `expected` when given. */
  async function sameBoards(expected) {
    await eventually(async () => {
      const [a, b] = [await board(pages.alice), await board(pages.bob)];
      assert.deepEqual(a, b);
      if (expected) assert.deepEqual(a, expected);
    });
  }
  /** Holds `page`'s REST calls matching `method` and `pattern` for `ms` before sending them. */
  const holdRequests = (page, method, pattern, ms) =>
    page.route(pattern, async (route) => {
      if (route.request().method() === method) await sleep(ms);
      await route.continue();
    });
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
    // The plan's tasks in columns by status, in the plan's order.
    const expected = {
      not_started: ['4 Brief the support team', '5 Schedule the social posts'],
      in_progress: ['3 Update the pricing page'],
      completed: ['1 Write the launch announcement', '2 Record the demo video'],
    };
    assert.deepEqual(await board(pages.alice), expected);
    assert.deepEqual(await board(pages.bob), expected);
    await waitText(pages.alice, 'progress', '2 of 5 done');
    await waitText(pages.alice, 'progress-percent', '40%');
    for (const user of ['alice', 'bob']) {
      assert.equal(wasmLoads[user].length, 1, `${user}: one load of the module (${wasmLoads[user].join(', ')})`);
      assert.match(wasmLoads[user][0], /^200 .*\/planwire_bg\.wasm$/, `${user}: planwire_bg.wasm served beside the package`);
    }
  });

  test('kanban: alice drags a task to another column, bob sees it there', STEP, async () => {
    const { alice, bob } = pages;
    // Task 5 (To do) dropped on the In progress column's heading: first of that column.
    await alice.dragAndDrop('[data-testid="task-5"]', '[data-testid="column-in_progress"] h2');
    await inColumn(alice, 5, 'in_progress', 0);
    await inColumn(bob, 5, 'in_progress', 0);
    await sameBoards({
      not_started: ['4 Brief the support team'],
      in_progress: ['5 Schedule the social posts', '3 Update the pricing page'],
      completed: ['1 Write the launch announcement', '2 Record the demo video'],
    });
    // Dropped below the last card of a column: its end (same column: a reorder only).
    const { height } = await alice.locator('[data-testid="task-2"]').boundingBox();
    await alice.dragAndDrop('[data-testid="task-1"]', '[data-testid="task-2"]', { targetPosition: { x: 20, y: height - 4 } });
    await inColumn(bob, 1, 'completed', -1);
    await sameBoards();
  });

  test('kanban: the move buttons and Alt+arrow keys move a task, seen by the other page', STEP, async () => {
    const { alice, bob } = pages;
    // Button (bob → alice): task 3 up, above task 5.
    await bob.click('[data-testid="up-3"]');
    await inColumn(alice, 3, 'in_progress', 0);
    // Button (bob → alice): task 4 to the next column (its end).
    await bob.click('[data-testid="right-4"]');
    await inColumn(alice, 4, 'in_progress', -1);
    // Keyboard (alice → bob): task 5, focused, Alt+→ to Done, Alt+↑ one up; the focus follows it.
    await alice.focus('[data-testid="task-5"]');
    await alice.keyboard.press('Alt+ArrowRight');
    await inColumn(bob, 5, 'completed', -1);
    assert.equal(await alice.evaluate(() => document.activeElement?.dataset.testid), 'task-5');
    await alice.keyboard.press('Alt+ArrowUp');
    await inColumn(bob, 5, 'completed', 1);
    await alice.keyboard.press('Escape');
    await sameBoards({
      not_started: [],
      in_progress: ['3 Update the pricing page', '4 Brief the support team'],
      completed: ['2 Record the demo video', '5 Schedule the social posts', '1 Write the launch announcement'],
    });
    await waitText(bob, 'progress', '3 of 5 done');
  });

  test('kanban: a task alice adds shows at once as pending, then confirmed on both pages', STEP, async () => {
    const { alice, bob } = pages;
    const title = 'Print the launch banners';
    const card = ([title, pending]) =>
      [...document.querySelectorAll('[data-testid="column-not_started"] [data-task-id]')].find(
        (li) => li.querySelector('[data-testid^="title-"]').textContent === title && !!li.dataset.pending === pending,
      );
    // The server's answer held 1.5 s: until then the task is alice's pending write.
    await holdRequests(alice, 'POST', '**/api/plans/123/tasks', 1500);
    await alice.fill('[data-testid="new-title"]', title);
    await alice.click('[data-testid="add"]');
    await waitUntil(alice, card, [title, true], 1000);
    const draft = await alice.evaluate(([t]) => {
      const li = [...document.querySelectorAll('[data-task-id]')].find((e) => e.textContent.includes(t));
      return { id: li.dataset.taskId, saving: li.querySelector('[data-testid^="pending-"]')?.textContent.trim() };
    }, [title]);
    assert.match(draft.id, /^pending-\d+$/);
    assert.equal(draft.saving, 'Adding…');
    assert.equal(await alice.inputValue('[data-testid="new-title"]'), '', 'the field is cleared at once');
    await waitText(alice, 'progress', '3 of 6 done');
    // Confirmed: a server id, no longer pending, on both pages.
    await waitUntil(alice, card, [title, false]);
    await waitUntil(bob, card, [title, false]);
    await alice.unrouteAll();
    const id = await alice.evaluate(() => document.querySelector('[data-testid="column-not_started"] [data-task-id]').dataset.taskId);
    assert.match(id, /^\d+$/);
    assert.ok(!(await alice.locator('[data-testid^="task-pending-"]').count()), 'no pending card left');
    await sameBoards();
    await waitText(bob, 'progress', '3 of 6 done');
  });

  test('kanban: a toggle, a rename and a delete are seen by the other page', STEP, async () => {
    const { alice, bob } = pages;
    // Toggle (bob → alice): task 4 done.
    await bob.click('[data-testid="toggle-4"]');
    await inColumn(alice, 4, 'completed', -1);
    await waitText(alice, 'progress', '4 of 6 done');

    // Rename (bob → alice): select task 1, type in its title field, Enter.
    await bob.click('[data-testid="title-1"]');
    await bob.fill('[data-testid="rename-1"]', 'Publish the launch announcement');
    await bob.press('[data-testid="rename-1"]', 'Enter');
    await waitText(alice, 'title-1', 'Publish the launch announcement');

    // Delete (alice → bob).
    await alice.click('[data-testid="delete-2"]');
    await waitUntil(bob, () => !document.querySelector('[data-testid="task-2"]'));
    await sameBoards();
    await waitText(bob, 'progress', '3 of 5 done');

    // A write the server refuses is rolled back and said (bob's rename of task 4, answered 403).
    await bob.route('**/api/tasks/4', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ code: 'FORBIDDEN', message: 'not allowed' }) })
        : route.continue(),
    );
    await bob.click('[data-testid="title-4"]');
    await bob.fill('[data-testid="rename-4"]', 'Never saved');
    await bob.press('[data-testid="rename-4"]', 'Enter');
    await waitText(bob, 'write-error', 'Renaming failed — FORBIDDEN: not allowed. The change was undone.Dismiss');
    await waitText(bob, 'title-4', 'Brief the support team');
    assert.equal(await bob.getAttribute('[data-testid="task-4"]', 'data-pending'), null);
    await bob.click('[data-testid="dismiss-error"]');
    assert.equal(await bob.locator('[data-testid="write-error"]').count(), 0);
    await bob.unrouteAll();
    await bob.press('[data-testid="rename-4"]', 'Escape');
    await bob.click('[data-testid="title-1"]');
    assert.equal(await alice.textContent('[data-testid="title-4"]'), 'Brief the support team');

    // A write still pending is marked: alice's rename of task 3, its answer held.
    await holdRequests(alice, 'PATCH', '**/api/tasks/3', 1500);
    await alice.click('[data-testid="title-3"]');
    await alice.fill('[data-testid="rename-3"]', 'Update the pricing page and FAQ');
    await alice.press('[data-testid="rename-3"]', 'Enter');
    await waitUntil(alice, () => document.querySelector('[data-testid="task-3"]')?.dataset.pending === 'true', undefined, 1000);
    await waitText(alice, 'pending-3', 'Saving…');
    await waitText(alice, 'title-3', 'Update the pricing page and FAQ');
    await alice.locator('[data-testid="rename-3"]').blur();
    mkdirSync(`${ROOT}/tests/.tmp`, { recursive: true });
    await alice.screenshot({ path: SCREENSHOT, fullPage: true });
    await waitUntil(alice, () => !document.querySelector('[data-testid="task-3"]')?.dataset.pending);
    await waitText(bob, 'title-3', 'Update the pricing page and FAQ');
    await alice.unrouteAll();
    await alice.press('[data-testid="task-3"]', 'Escape');
    await bob.press('[data-testid="rename-1"]', 'Escape');
    await sameBoards();
  });

  test('a failed load is shown and retried; a refused plan is shown', STEP, async () => {
    // Carol's page (alice in a third tab): the first loads of plan 123 answer 503.
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    let refused = 0;
    await page.route('**/api/plans/123', (route) => {
      if (route.request().method() !== 'GET' || refused >= 2) return route.continue();
      refused++;
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'UNAVAILABLE', message: 'try again later' }) });
    });
    try {
      await page.goto(`${demo.url}?user=alice&server=${server.addr}&plan=123`);
      await waitUntil(page, () => document.querySelector('[data-testid="tasks"]')?.dataset.status === 'error');
      await waitText(page, 'load-error', 'Couldn’t load the plan — UNAVAILABLE: try again later. Retrying…');
      // Retried with backoff (1 s, 2 s): then live, the error gone, the same board as the others.
      await waitUntil(page, () => document.querySelector('[data-testid="tasks"]')?.dataset.status === 'live', undefined, 15_000);
      assert.equal(refused, 2);
      assert.equal(await page.locator('[data-testid="load-error"]').count(), 0);
      assert.deepEqual(await board(page), await board(pages.alice));
    } finally {
      await context.close();
    }

    // Mallory is no member of plan 123: the room refuses her and the board says so.
    const mallory = await open('mallory');
    try {
      await waitText(mallory, 'load-error', 'Couldn’t load the plan — FORBIDDEN: not a member of plan "123".');
      assert.equal(await mallory.locator('[data-task-id]').count(), 0);
    } finally {
      await mallory.context().close();
    }
    await waitText(pages.alice, 'participant-count', '2');
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
    await sameBoards({
      not_started: ['4 Brief the support team', '5 Schedule the social posts'],
      in_progress: ['3 Update the pricing page'],
      completed: ['1 Write the launch announcement', '2 Record the demo video'],
    });
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
