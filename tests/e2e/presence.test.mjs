// Live presence (extension) on the demo board, alice and bob in Debian's Chromium against a live mock
// server: who is here (avatars), the task each other person views or edits (markers), "bob is typing…"
// (cleared by blur, and by the server's typing TTL when bob stops without blurring). The steps run in
// order and share the pages; every wait is on a condition. Saves tests/.tmp/presence.png (alice's page
// with bob's marker and typing line).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchBrowser, recordErrors, waitText, waitUntil } from '../lib/browser.mjs';
import { startDemo } from '../lib/demo.mjs';
import { ROOT } from '../lib/paths.mjs';
import { startServer } from '../lib/server.mjs';

const STEP = { timeout: 30_000 };
/** The server's typing TTL (`--typing-ttl-ms`): longer than the client's 2 s refresh, short for the test. */
const TYPING_TTL_MS = 4_000;
const SCREENSHOT = `${ROOT}/tests/.tmp/presence.png`;
/** The task bob views, edits and types in. */
const X = 3;

const sel = (id) => `[data-testid="${id}"]`;

describe('demo board presence in Chromium', { timeout: 180_000 }, () => {
  let server;
  let demo;
  let browser;
  const pages = {};
  const errors = {};

  async function open(user) {
    const page = await (await browser.newContext()).newPage();
    errors[user] = recordErrors(page);
    await page.goto(`${demo.url}?user=${user}&server=${server.addr}&plan=123`);
    return page;
  }

  /** Alice's view of task `id` (for failure messages). */
  const taskHtml = (page, id = X) => page.locator(sel(`task-${id}`)).evaluate((e) => e.outerHTML).catch(() => '(absent)');

  /** Waits for `predicate(arg)` in `page`; on timeout, says what was awaited and shows task X there. */
  async function waitFor(page, what, predicate, arg, timeout = 10_000) {
    try {
      await waitUntil(page, predicate, arg, Math.max(timeout, 1));
    } catch (e) {
      throw new Error(`waiting for ${what}; task ${X} is ${await taskHtml(page)}\n${e.message}`);
    }
  }

  /** `marker-<task>-<user>`'s `data-activity` on the page, or null. */
  const markerIs = ([id, activity]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.activity === activity;
  const absent = (id) => !document.querySelector(`[data-testid="${id}"]`);
  const typingLine = ([id, text]) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() === text;

  before(async () => {
    server = await startServer({ args: ['--typing-ttl-ms', String(TYPING_TTL_MS)] });
    demo = await startDemo();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await server?.stop();
  });

  test("alice and bob see each other's initials", STEP, async () => {
    pages.alice = await open('alice');
    pages.bob = await open('bob');
    for (const user of ['alice', 'bob']) {
      await waitText(pages[user], 'connection-status', 'connected');
      await waitText(pages[user], 'participant-count', '2');
      await waitText(pages[user], 'avatar-alice', 'A');
      await waitText(pages[user], 'avatar-bob', 'B');
    }
    assert.match(await pages.alice.getAttribute(sel('avatar-bob'), 'title'), /^bob$/);
    assert.match(await pages.alice.getAttribute(sel('avatar-alice'), 'title'), /^alice \(you\)$/);
    // Nobody has selected anything yet.
    for (const user of ['alice', 'bob']) assert.equal(await pages[user].locator('[data-testid^="marker-"]').count(), 0);
  });

  test(`bob selecting, then editing task ${X} puts a marker with bob on alice's task ${X}`, STEP, async () => {
    const { alice, bob } = pages;
    await bob.click(sel(`title-${X}`));
    await waitFor(bob, `bob's task ${X} selected`, (id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.selected === 'true', `task-${X}`);
    await waitFor(alice, `marker-${X}-bob viewing`, markerIs, [`marker-${X}-bob`, 'viewing']);
    // On task X only, and not on bob's own page.
    assert.deepEqual(
      await alice.locator('[data-testid^="marker-"]').evaluateAll((ms) => ms.map((m) => [m.closest('li').dataset.testid, m.dataset.user])),
      [[`task-${X}`, 'bob']],
    );
    assert.equal(await bob.locator('[data-testid^="marker-"]').count(), 0);
    assert.match(await alice.getAttribute(sel('avatar-bob'), 'title'), new RegExp(`^bob, viewing task ${X}$`));

    await bob.focus(sel(`rename-${X}`));
    await waitFor(alice, `marker-${X}-bob editing`, markerIs, [`marker-${X}-bob`, 'editing']);
    assert.match((await alice.textContent(sel(`marker-${X}-bob`))).trim(), /^B bob ✎ editing$/);
  });

  test(`bob typing in task ${X}'s title shows alice "bob is typing…" under task ${X} until he blurs`, STEP, async () => {
    const { alice, bob } = pages;
    const input = bob.locator(sel(`rename-${X}`));
    await input.fill('');
    const firstKey = Date.now();
    await input.pressSequentially('Book the venue', { delay: 20 });
    await waitFor(alice, `typing-${X} = "bob is typing…"`, typingLine, [`typing-${X}`, 'bob is typing…']);
    // Under task X (inside its row, below its title), and nowhere else.
    const line = alice.locator(`${sel(`task-${X}`)} ${sel(`typing-${X}`)}`);
    assert.equal(await line.count(), 1);
    assert.equal(await alice.locator('[data-testid^="typing-"]').count(), 1);
    const [titleBox, lineBox] = [await alice.locator(sel(`title-${X}`)).boundingBox(), await line.boundingBox()];
    assert.ok(lineBox.y >= titleBox.y + titleBox.height, `typing line (y ${lineBox.y}) below the title (y ${titleBox.y})`);
    assert.equal(await bob.locator('[data-testid^="typing-"]').count(), 0, 'bob is not told he is typing');

    mkdirSync(`${ROOT}/tests/.tmp`, { recursive: true });
    await alice.screenshot({ path: SCREENSHOT, fullPage: true });

    // Blur clears it long before the TTL would (the mark was sent at the first key, not refreshed since).
    await input.blur();
    const deadline = firstKey + TYPING_TTL_MS - 500;
    await waitFor(alice, `typing-${X} gone after bob's blur, before the ${TYPING_TTL_MS} ms TTL`, absent, `typing-${X}`, deadline - Date.now());
    await waitFor(alice, `marker-${X}-bob back to viewing`, markerIs, [`marker-${X}-bob`, 'viewing']);
  });

  test(`bob stopping without blurring: the server's ${TYPING_TTL_MS} ms typing TTL clears the line`, STEP, async () => {
    const { alice, bob } = pages;
    const input = bob.locator(sel(`rename-${X}`));
    await input.focus();
    await waitFor(alice, `marker-${X}-bob editing`, markerIs, [`marker-${X}-bob`, 'editing']);
    const firstKey = Date.now();
    await input.pressSequentially(' early', { delay: 20 });
    await waitFor(alice, `typing-${X} = "bob is typing…"`, typingLine, [`typing-${X}`, 'bob is typing…']);
    // Bob's page keeps the focus and sends nothing more: only the server's expiry can clear the line.
    await waitFor(alice, `typing-${X} expired`, absent, `typing-${X}`, TYPING_TTL_MS + 6_000);
    const elapsed = Date.now() - firstKey;
    assert.ok(elapsed >= TYPING_TTL_MS - 250, `the line went after ${elapsed} ms, before the ${TYPING_TTL_MS} ms TTL`);
    assert.equal(await bob.evaluate(() => document.activeElement?.dataset.testid), `rename-${X}`, 'bob never blurred');
    assert.equal(await alice.getAttribute(sel(`marker-${X}-bob`), 'data-activity'), 'editing');
  });

  test('Enter renames the task, Escape deselects it (marker gone), leaving removes the avatar', STEP, async () => {
    const { alice, bob } = pages;
    await bob.press(sel(`rename-${X}`), 'Enter');
    await waitText(alice, `title-${X}`, 'Book the venue early');
    await bob.press(sel(`rename-${X}`), 'Escape');
    await waitFor(alice, `marker-${X}-bob gone`, absent, `marker-${X}-bob`);
    assert.equal(await alice.locator('[data-testid^="typing-"]').count(), 0);

    await bob.context().close();
    await waitText(alice, 'participant-count', '1');
    await waitFor(alice, 'avatar-bob gone', absent, 'avatar-bob');
    await waitText(alice, 'avatar-alice', 'A');
    assert.deepEqual(errors.alice.filter((e) => !e.includes('WebSocket')), []);
    assert.deepEqual(errors.bob.filter((e) => !e.includes('WebSocket')), []);
    await alice.context().close();
  });
});
