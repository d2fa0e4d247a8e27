// A tiny static server on 127.0.0.1 for the built viewer (dist/viewer at /viewer/) and the
// examples (/examples/, the embed page). Used by the browser tests, the benchmark and
// scripts/viewer.sh. The viewer's files also get the page's CSP as a header, so the analysis
// worker is held to `connect-src 'none'` too; the examples are a "docs site" and get none.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
  "worker-src 'self'; connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.json': 'application/json',
  '.yaml': 'text/yaml; charset=utf-8', '.yml': 'text/yaml; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
};

const MOUNTS = [
  ['/viewer/', path.join(ROOT, 'dist/viewer'), true],
  ['/examples/', path.join(ROOT, 'examples'), false],
];

export function serve({ port = 0, host = '127.0.0.1', extra = [] } = {}) {
  const mounts = [...extra, ...MOUNTS];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(302, { Location: '/viewer/' });
      return res.end();
    }
    const mount = mounts.find(([prefix]) => url.pathname.startsWith(prefix));
    if (!mount) {
      res.writeHead(404);
      return res.end('not found');
    }
    const [prefix, dir, csp] = mount;
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403);
      return res.end();
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404);
        return res.end('not found');
      }
      const headers = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (csp) headers['Content-Security-Policy'] = CSP;
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

// `node tests/e2e/serve.mjs [port]`: serve until interrupted.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const port = Number(process.argv[2] || process.env.PORT || 8080);
  const server = await serve({ port });
  const { port: actual } = server.address();
  console.log(`authn-audit viewer: http://127.0.0.1:${actual}/viewer/   (embed example: http://127.0.0.1:${actual}/examples/embed.html)`);
}
