// Shared set-up of the browser tests and the benchmark: the static server, Debian's Chromium
// through playwright-core, and a record of every request a page (or its worker) makes.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(HERE, 'artifacts');
export const FIXTURES = path.join(HERE, 'fixtures');

// Flags that keep Chromium from phoning home: the machine's network is closed, and the test
// asserts the page makes no request of its own.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The server and the browser; `extra`: more `[prefix, dir, csp]` mounts (see serve.mjs). */
export async function start({ extra = [] } = {}) {
  const server = await serve({ extra });
  const base = `http://127.0.0.1:${server.address().port}`;
  // playwright gives each launch a fresh, empty profile (--user-data-dir in a new temp folder).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // CHROMIUM_FLAGS: extra flags for a diagnosis (e.g. V8's `--js-flags=…`), never in the tests.
    args: [...FLAGS, ...(process.env.CHROMIUM_FLAGS ? process.env.CHROMIUM_FLAGS.split(' ') : [])],
    headless: true,
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    base,
    browser,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A new page that records requests, CSP violations, console errors and uncaught errors. */
export async function openPage(env, { colorScheme = 'light', viewport = { width: 1440, height: 900 }, acceptDownloads = true } = {}) {
  const context = await env.browser.newContext({ colorScheme, viewport, acceptDownloads });
  const requests = [];
  const foreign = [];
  // Every request, from the page and its worker, passes here; anything off our origin is refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith(env.base + '/') || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, requests, foreign, errors };
}

/** Wait for a complete report (the app sets data-report-ms on <html>). */
export async function reportShown(page, timeout = 60_000) {
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-report-ms'), null, { timeout });
}

/** Wait for a new report after the previous one (the attribute is replaced each time). */
export async function clearReportMark(page) {
  await page.evaluate(() => document.documentElement.removeAttribute('data-report-ms'));
}

export async function openViewer(env, options = {}, fragment = '') {
  const handle = await openPage(env, options);
  await handle.page.goto(`${env.base}/viewer/${fragment}`);
  await handle.page.waitForSelector('#dropzone');
  return handle;
}

export function fixture(name) {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** Drop files on the drop zone the way a browser does: a DataTransfer with File objects. */
export async function dropFiles(page, files) {
  const transfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const { name, text } of files) dt.items.add(new File([text], name, { type: 'application/yaml' }));
    return dt;
  }, files);
  await page.dispatchEvent('section.intake', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('section.intake', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('section.intake', 'drop', { dataTransfer: transfer });
}

/** The codes of the findings rows on screen. */
export async function shownCodes(page) {
  return page.$$eval('button.finding', (rows) => rows.map((r) => r.dataset.code));
}

/**
 * Drop files made inside the page, so that big and binary inputs need not cross from node as
 * text. Each spec is `{name, text}` or `{name, make, ...args}` with `make` one of the shapes of
 * `hostileShapes` below; the page builds the File and drops it on the drop zone.
 */
export async function dropMade(page, specs) {
  // A string expression, so that the shapes' source travels with it (the page's CSP forbids
  // `eval`, but an expression evaluated by the test driver is no page script).
  const transfer = await page.evaluateHandle(`((shapes, specs) => {
    const dt = new DataTransfer();
    for (const spec of specs) {
      const part = spec.make ? shapes[spec.make](spec) : [spec.text];
      dt.items.add(new File(part, spec.name));
    }
    return dt;
  })((${hostileShapes.toString()})(), ${JSON.stringify(specs)})`);
  await page.dispatchEvent('section.intake', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('section.intake', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('section.intake', 'drop', { dataTransfer: transfer });
}

// The hostile shapes of issue 8, as blob parts; evaluated in the page (by `dropMade`) and in node
// (by the benchmark), so keep it plain JavaScript with no outside names.
export function hostileShapes() {
  return {
    /** `count` tiny ConfigMaps in a `kind: List` (kubectl writes `kind` last). */
    list({ count, cut = false }) {
      const parts = ['apiVersion: v1\nitems:\n'];
      for (let i = 0; i < count; i += 1) parts.push(`- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c${i}\n`);
      if (cut) {
        // Cut short inside the last item: no `kind: List` at the end.
        parts.push('- apiVersion: v1\n  kind: Conf');
        return parts;
      }
      parts.push('kind: List\nmetadata:\n  resourceVersion: ""\n');
      return parts;
    },
    /** `count` tiny documents. */
    documents({ count }) {
      const parts = [];
      for (let i = 0; i < count; i += 1) parts.push(`---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`);
      return parts;
    },
    /** One `bytes` scalar referenced by `aliases` aliases. */
    aliasBomb({ bytes = 1 << 20, aliases = 8000 }) {
      return ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  big: &big ', 'x'.repeat(bytes),
        '\n  many: [', Array(aliases).fill('*big').join(', '), ']\n'];
    },
    /** `depth` nested flow sequences. */
    deep({ depth = 100000 }) {
      return ['['.repeat(depth), ']'.repeat(depth), '\n'];
    },
    /** `bytes` of xorshift noise: a binary file. */
    binary({ bytes = 65536, seed = 42 }) {
      const out = new Uint8Array(bytes);
      let x = seed;
      for (let i = 0; i < bytes; i += 1) {
        x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
        out[i] = x & 255;
      }
      return [out];
    },
    /** An audit log of at least `bytes`: one 1 MiB block of copies of the event `line`, repeated. */
    auditLog({ bytes, line }) {
      const copies = Math.floor((1 << 20) / (line.length + 1));
      const block = new TextEncoder().encode(`${line}\n`.repeat(copies));
      return Array(Math.ceil(bytes / block.length)).fill(block);
    },
    /** `bytes` of zeros (a file over the size limit; never read). */
    zeros({ bytes }) {
      const mib = new Uint8Array(1 << 20);
      const parts = Array(Math.floor(bytes / mib.length)).fill(mib);
      parts.push(new Uint8Array(bytes % mib.length));
      return parts;
    },
  };
}

/** The bytes of a `dropMade` spec, computed in node from the same shapes. */
export function madeBytes(spec) {
  const parts = spec.make ? hostileShapes()[spec.make](spec) : [spec.text];
  return parts.reduce((n, p) => n + (typeof p === 'string' ? Buffer.byteLength(p) : p.length), 0);
}
