// A static file server on 127.0.0.1 (a real origin, as an app has), for the browser suite, the
// packed-package test and the dispatch benchmark.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

/**
 * Serves each URL prefix of `mounts` (e.g. `{ '/pkg/': dir, '/': other }`, first match wins) from its
 * directory, `index.html` for a path ending in `/`, nothing outside the directories. `answer(req, res)`
 * may take a request first by returning true. Resolves to `{ origin, stop() }` on a free port.
 */
export function serveFiles(mounts, answer = () => false) {
  const roots = Object.entries(mounts).map(([prefix, dir]) => [prefix, resolve(dir)]);
  const server = createServer(async (req, res) => {
    if (answer(req, res)) return;
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    if (path === '/favicon.ico') return send(res, 204, '');
    const [prefix, root] = roots.find(([p]) => path.startsWith(p)) ?? [];
    if (!root) return send(res, 404, 'not found');
    const rel = path.slice(prefix.length);
    const file = resolve(root, rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(root + sep)) return send(res, 403, 'forbidden');
    try {
      if (!(await stat(file)).isFile()) return send(res, 404, 'not found');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      send(res, 404, 'not found');
    }
  });
  return new Promise((started) => {
    server.listen(0, '127.0.0.1', () =>
      started({
        origin: `http://127.0.0.1:${server.address().port}`,
        stop: () =>
          new Promise((done) => {
            server.close(done);
            server.closeAllConnections();
          }),
      }),
    );
  });
}

/** Reads a request's JSON body, answers 204 and hands the parsed value to `onJson` (the bench pages'
 *  `POST /result`). */
export function receiveJson(req, res, onJson) {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(204).end();
    onJson(JSON.parse(body));
  });
}
