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
  for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/react.js', 'dist/react.d.ts', 'dist/client.js', 'dist/wasm.js', 'dist/types.js', 'wasm/planwire.wasm']) {
    assert.ok(files.includes(f), `${f} is in the tarball (has: ${files.join(', ')})`);
  }
  assert.deepEqual(files.filter((f) => !/^(package\.json|README\.md|dist\/.*|wasm\/.*)$/.test(f)), []);
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
  writeFileSync(join(app, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>');
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
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', jsx: 'react-jsx', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [] }, include: ['src'] }),
  );

  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  // Types resolve through the package's exports map, and the README example type-checks.
  execFileSync(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, stdio: 'inherit' });
  execFileSync(process.execPath, [join(app, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  const assets = readdirSync(join(app, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the build emitted the .wasm asset (${assets.join(', ')})`);

  mock = await startServer();
  web = await serveFiles({ '/': join(app, 'dist') });
  browser = await launchBrowser();
  const page = await browser.newPage();
  const errors = recordErrors(page);
  await page.goto(`${web.origin}/?server=${mock.addr}`);
  try {
    await waitUntil(page, () => document.body.textContent.includes('Status: Connected'), undefined, 20_000);
    await waitUntil(page, () => /Participants: 1 \(alice\)/.test(document.body.textContent));
    // Joined (a participant count comes with the join confirmation), not only connected.
    for (const id of ['s1', 's2']) await waitUntil(page, (id) => document.getElementById(id)?.textContent === 'connected 1 ', id);
  } catch (e) {
    throw new Error(`${e.message}\npage errors: ${errors.join('\n')}`);
  }
  const bob = await token(mock, 2, 'bob');
  await rest(mock, bob, 'POST', '/api/plans/123/tasks', { title: 'Created by bob over REST' });
  await waitUntil(page, () => [...document.querySelectorAll('li')].some((li) => li.textContent === 'Created by bob over REST'));
  // The provider-less hooks received it too, over one shared socket beside the provider's.
  for (const id of ['s1', 's2']) {
    await waitUntil(page, (id) => document.getElementById(id)?.textContent === 'connected 1 Created by bob over REST', id);
  }
  assert.equal((await metrics(mock)).connections, 2, 'the provider and the two standalone hooks use two sockets');
  assert.deepEqual(errors, []);

  // The same app under Vite's dev server (dependency pre-bundling, development React, StrictMode).
  const { createServer: createViteServer } = await import(pathToFileURL(join(app, 'node_modules/vite/dist/node/index.js')).href);
  dev = await createViteServer({ root: app, logLevel: 'warn', server: { host: '127.0.0.1', port: 0, hmr: false } });
  await dev.listen();
  const devPage = await browser.newPage();
  const devErrors = recordErrors(devPage);
  await devPage.goto(`http://127.0.0.1:${dev.httpServer.address().port}/?server=${mock.addr}`);
  try {
    await waitUntil(devPage, () => document.body.textContent.includes('Status: Connected'), undefined, 30_000);
    // Joined, not only connected: a change made before the server has the page in the room is not
    // sent to it (and this example app only collects live events).
    await waitUntil(devPage, () => /Participants: 1 \(alice\)/.test(document.body.textContent));
  } catch (e) {
    throw new Error(`dev server: ${e.message}\npage errors: ${devErrors.join('\n')}`);
  }
  await rest(mock, bob, 'POST', '/api/plans/123/tasks', { title: 'Seen under the dev server' });
  await waitUntil(devPage, () => [...document.querySelectorAll('li')].some((li) => li.textContent === 'Seen under the dev server'));
});
