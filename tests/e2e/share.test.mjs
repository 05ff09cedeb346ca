// One connection per browser and real page lifecycles (issue 19's "Done when"), in Chromium pages of
// one browser context (one origin: they share Web Locks and BroadcastChannel).
//
// Checklist:
// - ten tabs with `shareConnection: true`: one WebSocket on the server, one leader, every tab live;
// - a stream of changes, the leader tab closed in the middle of it, then the next leader crashed: another
//   tab takes over each time, and every remaining tab applies every change exactly once, in order
//   (events and synchronized plan); a call made during the handover (presence) is not lost;
// - each tab's presence is its own: the server shows the state of the tab that set it last, and the
//   next one's when that tab leaves;
// - back/forward cache, for real: a page with a client navigates away (`pagehide`, persisted) and back
//   (`pageshow`, restored from the cache, not reloaded), missing changes meanwhile, and recovers them
//   once each, by `lastSeq`; the same for the leader of shared tabs, whose followers take over.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../lib/chromium.mjs';
import { assertPackageBuilt } from '../lib/demo.mjs';
import { PKG } from '../lib/paths.mjs';
import { metrics, rest, startServer, token } from '../lib/server.mjs';
import { serveFiles } from '../lib/static.mjs';

const PLAN = '123';
const TABS = 10;
const CHANGES = 60;

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>share</title>
<script type="module">
import * as planwire from '/pkg/dist/index.js';
window.planwire = planwire;
window.planwireReady = true;
</script>`;
const OTHER_HTML = `<!doctype html><meta charset="utf-8"><title>elsewhere</title><p>another page of the site</p>`;

/** In the page: a client (shared or not) syncing `planId`, recording every task-updated event. */
async function setupPage({ url, token, planId, share, label }) {
  const S = (window.__sh = { label, planId, errors: [], updates: [], shows: [], hides: [] });
  addEventListener('error', (e) => S.errors.push(`error: ${e.message}`));
  addEventListener('unhandledrejection', (e) => S.errors.push(`unhandledrejection: ${e.reason?.message ?? e.reason}`));
  addEventListener('pageshow', (e) => S.shows.push(e.persisted));
  addEventListener('pagehide', (e) => S.hides.push(e.persisted));
  const client = await window.planwire.createPlanClient({
    url,
    token,
    shareConnection: share,
    maxReconnectAttempts: Infinity,
    baseDelayMs: 200,
    maxDelayMs: 1000,
  });
  S.client = client;
  client.on('error', (p) => S.errors.push(`client error event: ${JSON.stringify(p)}`));
  client.on('failed', (p) => S.errors.push(`client failed event: ${JSON.stringify(p)}`));
  client.on('taskUpdated', (p) => S.updates.push({ seq: p.seq, title: p.task.title }));
  client.syncPlan(planId);
  client.connect();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: plan not live within 15 s: ${client.state} ${JSON.stringify(client.plan(planId))}`)), 15_000);
    const check = () => {
      if (client.plan(planId)?.status !== 'live') return;
      clearTimeout(timer);
      off();
      resolve();
    };
    const off = client.on('planChanged', check);
    check();
  });
}

/** In the page: resolves once the tab saw the update titled `title` and its plan shows it (or with what it has after `timeoutMs`). */
function awaitTitle({ taskId, title, timeoutMs }) {
  const S = window.__sh;
  const { client, planId } = S;
  const view = () => {
    const p = client.plan(planId);
    const task = p?.tasks.find((t) => String(t.id) === String(taskId));
    return { label: S.label, status: p?.status, title: task?.title, pending: p?.pending?.length, state: client.state, role: client.connectionRole };
  };
  const ok = () => {
    const v = view();
    return v.status === 'live' && v.title === title && S.updates.at(-1)?.title === title;
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      offs.forEach((off) => off());
      resolve({ ok: false, ...view(), last: S.updates.slice(-3) });
    }, timeoutMs);
    const check = () => {
      if (!ok()) return;
      clearTimeout(timer);
      offs.forEach((off) => off());
      resolve({ ok: true, ...view() });
    };
    const offs = [client.on('planChanged', check), client.on('taskUpdated', () => queueMicrotask(check))];
    check();
  });
}

/** In the page: what the tab recorded. */
function report() {
  const S = window.__sh;
  return { label: S.label, updates: S.updates, errors: S.errors, shows: S.shows, hides: S.hides, role: S.client.connectionRole, state: S.client.state };
}

/** Resolves once `check()` resolves truthy; fails with `what` after `timeoutMs` (polls a server route: no event to await). */
async function until(what, check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${what} (last: ${JSON.stringify(last)})`);
}

/** Asserts that `updates` are exactly `titles`, each once, in order, with increasing `seq`. */
function assertExactlyOnce(label, updates, titles) {
  const got = updates.map((u) => u.title);
  assert.deepEqual(got, titles, `${label}: every change exactly once, in order`);
  for (let i = 1; i < updates.length; i++) assert.ok(updates[i].seq > updates[i - 1].seq, `${label}: seq increases at ${i}`);
}

describe('one connection per browser; real back/forward cache', { timeout: 240_000 }, () => {
  let server;
  let site;
  let browser;
  let tokens;
  let taskId;

  before(async () => {
    assertPackageBuilt();
    server = await startServer();
    site = await serveFiles({ '/pkg/': PKG }, (req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path !== '/' && path !== '/elsewhere') return false;
      // No `no-store`: a page served with it is not put in the back/forward cache.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(path === '/' ? PAGE_HTML : OTHER_HTML);
      return true;
    });
    // Playwright turns the back/forward cache off by default: this suite needs it.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    tokens = { alice: await token(server, 1, 'alice'), bob: await token(server, 2, 'bob') };
    const plan = await rest(server, tokens.bob, 'GET', `/api/plans/${PLAN}`);
    taskId = plan.tasks[0].id;
  });

  after(async () => {
    await browser?.close();
    await site?.stop();
    await server?.stop();
  });

  /** Opens a page of `context` with a client; returns it with its console errors. */
  async function openTab(context, label, share, user = 'alice') {
    const page = await context.newPage();
    const console = [];
    page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && console.push(`console: ${m.text()}`));
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => window.planwireReady === true, null, { timeout: 15_000 });
    await page.evaluate(setupPage, { url: `ws://${server.addr}/ws`, token: tokens[user], planId: PLAN, share, label });
    return { label, page, console };
  }

  /** Renames the task as bob (from outside the browser), `n` times from `from`; returns the titles. */
  async function rename(prefix, from, n, pauseMs = 15) {
    const titles = [];
    for (let i = from; i < from + n; i++) {
      const title = `${prefix} ${i}`;
      await rest(server, tokens.bob, 'PATCH', `/api/tasks/${taskId}`, { title });
      titles.push(title);
      await new Promise((r) => setTimeout(r, pauseMs)); // paces the stream so the handover lands inside it
    }
    return titles;
  }

  /** Waits until the previous tests' connections are gone; returns the count (0). */
  const settled = () => until('no connection left from earlier tests', async () => (await metrics(server)).connections === 0).then(() => 0);

  const roles = (tabs) => Promise.all(tabs.map((t) => t.page.evaluate(() => window.__sh.client.connectionRole)));

  test(`${TABS} tabs share one socket; the leader closes, then the next one crashes, mid-stream; every tab applies every change once`, { timeout: 120_000 }, async () => {
    const before = await settled();
    const watcher = await openTab(await browser.newContext(), 'bob', false, 'bob');
    const context = await browser.newContext();
    const tabs = [];
    for (let i = 0; i < TABS; i++) tabs.push(await openTab(context, `tab${i}`, true));
    await until('one connection for the ten tabs (and bob’s)', async () => (await metrics(server)).connections === before + 2);
    const r = await roles(tabs);
    assert.equal(r.filter((x) => x === 'leader').length, 1, `one leader: ${r}`);
    assert.equal(r.filter((x) => x === 'follower').length, TABS - 1, `the others follow: ${r}`);

    const third = CHANGES / 3;
    const first = await rename('shared', 0, third);
    const leader = tabs[r.indexOf('leader')];
    let live = tabs.filter((t) => t !== leader);
    const closing = leader.page.close(); // gracefully (pagehide): it resigns
    // A call made during the handover is not lost: this tab's presence reaches bob once it is back.
    await live[0].page.evaluate((planId) => window.__sh.client.updatePresence(planId, { taskId: 'during handover' }), PLAN);
    const closedAt = Date.now();
    const renaming = rename('shared', third, third);
    await closing;
    const r2 = await until('a new leader', async () => {
      const now = await roles(live);
      return now.filter((x) => x === 'leader').length === 1 && now;
    });
    const takeover = Date.now() - closedAt;
    assert.ok(takeover < 1000, `another tab took over within a second (${takeover} ms)`);
    const second = await renaming;
    const seen = () =>
      watcher.page.evaluate((planId) => window.__sh.client.presence(planId)?.find((p) => String(p.userId) === '1')?.state?.taskId, PLAN);
    await until('the presence set during the handover reaches bob', async () => (await seen()) === 'during handover');
    const crashed = live[r2.indexOf('leader')];
    live = live.filter((t) => t !== crashed);
    const cdp = await context.newCDPSession(crashed.page);
    cdp.send('Page.crash').catch(() => {}); // never answers: the renderer is gone, its locks released by the browser
    const third_ = await rename('shared', 2 * third, third);
    const titles = [...first, ...second, ...third_];
    const results = await Promise.all(live.map((t) => t.page.evaluate(awaitTitle, { taskId, title: titles.at(-1), timeoutMs: 20_000 })));
    assert.deepEqual(results.filter((x) => !x.ok), [], 'every remaining tab is live with the last change');
    const r3 = await roles(live);
    assert.equal(r3.filter((x) => x === 'leader').length, 1, `a leader again after the crash: ${r3}`);
    await until('one connection again', async () => (await metrics(server)).connections === before + 2);
    for (const t of live) {
      const rep = await t.page.evaluate(report);
      assertExactlyOnce(t.label, rep.updates, titles);
      assert.deepEqual([...rep.errors, ...t.console], [], `${t.label}: no errors`);
    }
    await context.close();
    await watcher.page.context().close();
    await until('the shared connection closes with the last tab', async () => (await metrics(server)).connections === before);
  });

  test('each tab keeps its own presence on the shared connection', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const a = await openTab(context, 'a', true);
    const b = await openTab(context, 'b', true);
    // bob watches the room with his own client, from outside: what he sees of alice is the server's merge.
    const watcher = await openTab(await browser.newContext(), 'bob', false, 'bob');
    const alice = () =>
      watcher.page.evaluate((planId) => {
        const entry = window.__sh.client.presence(planId)?.find((p) => String(p.userId) === '1');
        return entry?.state ?? null;
      }, PLAN);
    await a.page.evaluate((planId) => window.__sh.client.updatePresence(planId, { taskId: 'a' }), PLAN);
    await until("alice's presence shows tab a", async () => (await alice())?.taskId === 'a');
    await b.page.evaluate((planId) => window.__sh.client.updatePresence(planId, { taskId: 'b' }), PLAN);
    await until("alice's presence shows tab b", async () => (await alice())?.taskId === 'b');
    // Each tab still holds its own state.
    assert.equal(await a.page.evaluate((planId) => window.__sh.client.myPresence(planId)?.taskId, PLAN), 'a');
    // b leaves the room: alice shows a's state again.
    await b.page.evaluate((planId) => window.__sh.client.unsyncPlan(planId), PLAN);
    await until("alice's presence shows tab a", async () => (await alice())?.taskId === 'a');
    await context.close();
    await watcher.page.context().close();
  });

  test('back/forward cache: a page navigates away and back, and recovers what it missed once', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const tab = await openTab(context, 'bfcache', false);
    const before = await rename('away', 0, 2, 0);
    await tab.page.evaluate(awaitTitle, { taskId, title: before.at(-1), timeoutMs: 10_000 });
    await tab.page.evaluate(() => (window.__marker = 'same document'));
    await tab.page.goto(`${site.origin}/elsewhere`);
    const missed = await rename('away', 2, 5, 0);
    await tab.page.goBack({ waitUntil: 'commit' });
    const marker = await tab.page.evaluate(() => window.__marker);
    assert.equal(marker, 'same document', 'restored from the back/forward cache, not reloaded');
    const res = await tab.page.evaluate(awaitTitle, { taskId, title: missed.at(-1), timeoutMs: 15_000 });
    assert.ok(res.ok, `live again with the missed changes: ${JSON.stringify(res)}`);
    const rep = await tab.page.evaluate(report);
    assert.deepEqual(rep.hides, [true], 'pagehide, persisted');
    assert.deepEqual(rep.shows, [true], 'pageshow from the cache (the listener came after the first one)');
    assertExactlyOnce(tab.label, rep.updates, [...before, ...missed]);
    assert.deepEqual([...rep.errors, ...tab.console], [], 'no errors');
    await context.close();
  });

  test('back/forward cache of the leader tab: the other tab takes over, the leader comes back and recovers', { timeout: 60_000 }, async () => {
    const base = await settled();
    const context = await browser.newContext();
    const a = await openTab(context, 'a', true);
    const b = await openTab(context, 'b', true);
    const [ra] = await roles([a]);
    const [leader, other] = ra === 'leader' ? [a, b] : [b, a];
    const before = await rename('cached', 0, 2, 0);
    await leader.page.goto(`${site.origin}/elsewhere`);
    const missed = await rename('cached', 2, 5);
    const res = await other.page.evaluate(awaitTitle, { taskId, title: missed.at(-1), timeoutMs: 15_000 });
    assert.ok(res.ok && res.role === 'leader', `the other tab took over: ${JSON.stringify(res)}`);
    await leader.page.goBack({ waitUntil: 'commit' });
    assert.equal(await leader.page.evaluate(() => window.__sh.shows.at(-1)), true, 'restored from the cache');
    const back = await leader.page.evaluate(awaitTitle, { taskId, title: missed.at(-1), timeoutMs: 15_000 });
    assert.ok(back.ok && back.role === 'follower', `recovered, now following: ${JSON.stringify(back)}`);
    await until('server connections = base + 1', async () => (await metrics(server)).connections === base + 1);
    for (const t of [leader, other]) {
      const rep = await t.page.evaluate(report);
      assertExactlyOnce(t.label, rep.updates, [...before, ...missed]);
      assert.deepEqual([...rep.errors, ...t.console], [], `${t.label}: no errors`);
    }
    await context.close();
  });
});
