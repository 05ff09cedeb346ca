// The package as users get it: `npm pack` pkg-js, install the tarball into a scratch React + Vite app in a
// temporary directory, type-check and build the app (whose App.tsx is the React example of
// pkg-js/README.md, verbatim), serve the build, and see it connect and receive an event in Chromium;
// then the same under Vite's dev server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { launchBrowser, recordErrors, waitUntil } from '../lib/browser.mjs';
import { assertPackageBuilt } from '../lib/demo.mjs';
import { PKG, ROOT } from '../lib/paths.mjs';
import { metrics, rest, startServer, token } from '../lib/server.mjs';
import { serveFiles } from '../lib/static.mjs';

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The tsx block following the "compiled and run by tests/packed" marker in pkg-js/README.md. */
function readmeExample() {
  const readme = readFileSync(`${PKG}/README.md`, 'utf8');
  const m = /tests\/packed[^\n]*\n```tsx\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'pkg-js/README.md has the React example block after the tests/packed marker');
  return m[1];
}

/** Versions the workspace already installed, so the scratch install is served from npm's cache. */
function installedVersion(name) {
  return JSON.parse(readFileSync(`${ROOT}/node_modules/${name}/package.json`, 'utf8')).version;
}

let work;
let mock;
let browser;
let web;
let dev;

before(() => {
  assertPackageBuilt();
  work = mkdtempSync(join(tmpdir(), 'planwire-packed-'));
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await dev?.close();
  await mock?.stop();
  if (work && !process.env.PLANWIRE_KEEP_TMP) rmSync(work, { recursive: true, force: true });
});

test('the packed tarball holds the entries, types and wasm, and nothing else', { timeout: 60_000 }, () => {
  const [packed] = JSON.parse(npm(['pack', PKG, '--pack-destination', work, '--json'], ROOT));
  const files = packed.files.map((f) => f.path).sort();
  // The facade and hooks (dist/) beside wasm-pack's output (wasm/): the glue, its .wasm and their types,
  // and `CloseCode` cut from the glue by the package build.
  const wanted = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/react.js', 'dist/react.d.ts', 'wasm/planwire.js', 'wasm/planwire.d.ts', 'wasm/planwire_bg.wasm', 'wasm/close-code.js', 'wasm/close-code.d.ts'];
  for (const f of wanted) {
    assert.ok(files.includes(f), `${f} is in the tarball (has: ${files.join(', ')})`);
  }
  // Built JavaScript and types only: no sources, tests, scripts or wasm-pack leftovers (.gitignore, its
  // package.json), and none of the hand-written driver's files it replaced.
  const extra = files.filter((f) => !/^(package\.json|README\.md|LICENSE[^/]*|dist\/[\w/.-]+\.(c?js|d\.c?ts)|wasm\/planwire[\w.]*\.(js|d\.ts|wasm)|wasm\/close-code\.(js|d\.ts))$/.test(f));
  assert.deepEqual(extra, [], 'nothing else in the tarball');
  const stale = files.filter((f) => /^(dist\/(client|wasm|types)\.|wasm\/planwire\.wasm$)/.test(f));
  assert.deepEqual(stale, [], 'no file of the old driver (dist/client.js, dist/wasm.js, dist/types.js, wasm/planwire.wasm)');
  assert.ok(readdirSync(work).includes(packed.filename));
});

test('a scratch React + Vite app installs the tarball, type-checks the README example, builds and syncs', { timeout: 480_000 }, async () => {
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'the previous test packed the package');
  const app = join(work, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  const caret = (name) => `^${installedVersion(name)}`;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'planwire-packed-app',
      private: true,
      type: 'module',
      dependencies: { planwire: `file:${join(work, tarball)}`, react: caret('react'), 'react-dom': caret('react-dom') },
      devDependencies: { vite: caret('vite'), typescript: caret('typescript'), '@types/react': caret('@types/react'), '@types/react-dom': caret('@types/react-dom') },
    }),
  );
  writeFileSync(join(app, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="root"></div><p id="plain"></p><script type="module" src="/src/main.tsx"></script></body></html>');
  writeFileSync(join(app, 'src/App.tsx'), readmeExample());
  // Two provider-less hooks on the same url, as seed 000 used the hook: they must share one socket.
  writeFileSync(
    join(app, 'src/Standalone.tsx'),
    `import { useState } from 'react';
import { usePlanWebSocket } from 'planwire/react';

export function Standalone({ id, url, getToken }: { id: string; url: string; getToken: () => Promise<string> }) {
  const [titles, setTitles] = useState<string[]>([]);
  const { isConnected, participantCount } = usePlanWebSocket({
    planId: '123',
    url,
    getToken,
    onTaskCreated: (task) => setTitles((prev) => [...prev, task.title]),
  });
  return <p id={id}>{isConnected ? 'connected' : 'disconnected'} {participantCount} {titles.join('|')}</p>;
}
`,
  );
  writeFileSync(
    join(app, 'src/main.tsx'),
    `import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Standalone } from './Standalone';
import { startPlain } from './plain';

const server = new URLSearchParams(location.search).get('server')!;
const getToken = () =>
  fetch(\`http://\${server}/api/v1/faults/token\`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"userId":1,"userName":"alice"}' })
    .then((r) => r.json())
    .then((j: { token: string }) => j.token);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App url={\`ws://\${server}/ws\`} getToken={getToken} />
    <Standalone id="s1" url={\`ws://\${server}/ws\`} getToken={getToken} />
    <Standalone id="s2" url={\`ws://\${server}/ws\`} getToken={getToken} />
  </StrictMode>,
);
startPlain(\`ws://\${server}/ws\`, getToken, document.getElementById('plain')!);
`,
  );
  // The plain entry (\`planwire\`, no React) at run time, beside \`planwire/react\`: the bundler or the
  // dev server's pre-bundling sees both entries, which must share one glue and one wasm load.
  writeFileSync(
    join(app, 'src/plain.ts'),
    `import { createPlanClient } from 'planwire';

export function startPlain(url: string, getToken: () => Promise<string>, out: HTMLElement) {
  let joined = false;
  const titles: string[] = [];
  const show = () => (out.textContent = \`\${joined ? 'joined' : 'waiting'} \${titles.join('|')}\`);
  createPlanClient({ url, getToken }).then(
    (client) => {
      client.on('joined', ({ planId }) => ((joined = planId === '123'), show()));
      client.on('taskCreated', ({ task }) => (titles.push(task.title), show()));
      client.join('123');
      client.connect();
    },
    (e: Error) => (out.textContent = \`error \${e.message}\`),
  );
}
`,
  );
  // Compiled by tsc only: the public types are wasm-bindgen / tsify's generated ones, not \`any\`.
  writeFileSync(
    join(app, 'src/types-check.ts'),
    `import { createPlanClient, loadPlanwire, PlanClient } from 'planwire';
import type { ConnectionState, PlanEvents, Task, UserId } from 'planwire';
import type { UsePlanWebSocketOptions } from 'planwire/react';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(): T | undefined => undefined;

same<Equal<Task['id'], number | string>>();
same<Equal<Task['title'], string>>();
same<Equal<PlanEvents['taskDeleted']['taskId'], number | string>>();
same<Equal<PlanEvents['taskReordered']['taskIds'], (number | string)[]>>();
same<Equal<PlanEvents['taskCreated']['task'], Task>>();
same<Equal<PlanEvents['resync']['reason'], 'gap' | 'not-recovered'>>();
same<Equal<UserId, number | string>>();
same<Equal<ConnectionState, 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'>>();
same<Equal<PlanClient['state'], ConnectionState>>();
same<Equal<Parameters<NonNullable<UsePlanWebSocketOptions['onTaskDeleted']>>[0], number | string>>();
same<Equal<ReturnType<typeof loadPlanwire>, Promise<void>>>();

export async function plain(fetchToken: () => Promise<string>) {
  const client: PlanClient = await createPlanClient({ url: 'wss://example.com/ws', getToken: fetchToken });
  const off: () => void = client.on('taskUpdated', ({ planId, task }) => console.log(planId.length, task.title.length));
  // @ts-expect-error: not an event of PlanEvents
  client.on('taskMoved', () => {});
  // @ts-expect-error: a task id may be a string
  client.on('taskDeleted', ({ taskId }) => taskId.toFixed());
  // @ts-expect-error: url is required
  await createPlanClient({ token: 'x' });
  client.join('123');
  client.connect();
  off();
  client.close();
}
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', jsx: 'react-jsx', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [] }, include: ['src'] }),
  );

  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  // The React entries as installed open with the 'use client' directive (Next.js's App Router needs it
  // in the directive prologue; the CommonJS copy has esbuild's 'use strict' beside it).
  for (const entry of ['dist/react.js', 'dist/cjs/react.cjs']) {
    const text = readFileSync(join(app, 'node_modules/planwire', entry), 'utf8');
    assert.match(text, /^(['"]use strict['"];\s*)?['"]use client['"];/, `${entry} opens with 'use client'`);
  }
  // Types resolve through the package's exports map, and the README example type-checks.
  execFileSync(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, stdio: 'inherit' });
  execFileSync(process.execPath, [join(app, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  const assets = readdirSync(join(app, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the build emitted the .wasm asset (${assets.join(', ')})`);

  mock = await startServer();
  const bob = await token(mock, 2, 'bob');
  web = await serveFiles({ '/': join(app, 'dist') });
  browser = await launchBrowser();
  await syncs('vite build', web.origin, 3);

  // The same app under Vite's dev server (dependency pre-bundling, development React, StrictMode): the
  // pre-bundled glue and facade must still find the .wasm, with no planwire-specific configuration.
  const { createServer: createViteServer } = await import(pathToFileURL(join(app, 'node_modules/vite/dist/node/index.js')).href);
  dev = await createViteServer({ root: app, logLevel: 'warn', server: { host: '127.0.0.1', port: 0, hmr: false } });
  await dev.listen();
  await syncs('vite dev', `http://127.0.0.1:${dev.httpServer.address().port}`, 6);

  /**
   * Opens the app from `origin` and checks that every view joins plan 123 and receives a change made
   * over REST, that the page fetched the .wasm once (both entries share one load), and that the server
   * counts `connections` sockets in all (the provider's, the standalone hooks' shared one, the plain
   * client's, plus those of pages opened before).
   */
  async function syncs(label, origin, connections) {
    const page = await browser.newPage();
    const errors = recordErrors(page);
    const wasm = [];
    const inlined = [];
    page.on('response', (r) => /\.wasm$/.test(new URL(r.url()).pathname) && wasm.push(`${r.status()} ${r.url()}`));
    page.on('request', (r) => /base64/i.test(new URL(r.url()).pathname) && inlined.push(r.url()));
    page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`${origin}/?server=${mock.addr}`);
    try {
      await waitUntil(page, () => document.body.textContent.includes('Status: Connected'), undefined, 30_000);
      // Joined (a participant count comes with the join confirmation), not only connected: a change
      // made before the server has the page in the room is not sent to it (this app only collects
      // live events).
      await waitUntil(page, () => /Participants: 1 \(alice\)/.test(document.body.textContent));
      for (const id of ['s1', 's2']) await waitUntil(page, (id) => document.getElementById(id)?.textContent === 'connected 1 ', id);
      await waitUntil(page, () => document.getElementById('plain')?.textContent === 'joined ');
    } catch (e) {
      throw new Error(`${label}: ${e.message}\nwasm responses: ${wasm.join(', ')}\npage errors: ${errors.join('\n')}`);
    }
    const title = `Created by bob over REST (${label})`;
    await rest(mock, bob, 'POST', '/api/plans/123/tasks', { title });
    await waitUntil(page, (title) => [...document.querySelectorAll('li')].some((li) => li.textContent === title), title);
    // The provider-less hooks and the plain client received it too.
    for (const id of ['s1', 's2']) await waitUntil(page, ([id, title]) => document.getElementById(id)?.textContent === `connected 1 ${title}`, [id, title]);
    await waitUntil(page, (title) => document.getElementById('plain')?.textContent === `joined ${title}`, title);
    assert.equal(wasm.length, 1, `${label}: one .wasm fetch for the page (${wasm.join(', ')})`);
    assert.match(wasm[0], /^200 /, `${label}: the .wasm was found beside the JavaScript`);
    assert.deepEqual(inlined, [], `${label}: the package's inlined (base64) fallback was not needed`);
    assert.equal((await metrics(mock)).connections, connections, `${label}: one socket each for the provider, the standalone hooks and the plain client`);
    assert.deepEqual(errors, [], `${label}: no page errors`);
  }
});
