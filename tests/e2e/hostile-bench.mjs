// Peak memory of the viewer's analysis worker on issue 8's hostile shapes, as a ratio to the
// input's bytes (docs/benchmarks.md, "Hostile shapes: viewer"). Not a test:
// `node tests/e2e/hostile-bench.mjs [shape…]` after `cargo xtask viewer`.
//
// Two figures per shape: the worker's WebAssembly memory after the report (wasm memory only
// grows, so that is its peak; the worker reports it), and the peak RSS of the page's renderer
// process (page + worker + the browser engine), read from /proc after resetting it. The inputs
// are written to tests/e2e/artifacts and deleted afterwards; the page gets them by file picker.
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, start, openViewer, hostileShapes } from './harness.mjs';

const MiB = 1 << 20;
const SHAPES = {
  'alias-bomb': { make: 'aliasBomb', bytes: MiB, aliases: 8000 },
  'list-3M': { make: 'list', count: 3_000_000 },
  'documents-1M': { make: 'documents', count: 1_000_000 },
  'list-300k': { make: 'list', count: 300_000 },
  'deep-100k': { make: 'deep', depth: 100_000 },
};
const chosen = process.argv.slice(2);
const names = chosen.length ? chosen : Object.keys(SHAPES);

function write(file, spec) {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  for (const part of hostileShapes()[spec.make](spec)) bytes += fs.writeSync(fd, part);
  fs.closeSync(fd);
  return bytes;
}

/** Renderer processes of the browser this script started (descendants of this process). */
function renderers() {
  const parent = new Map();
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) out.push(pid);
    } catch { /* gone */ }
  }
  const ours = (pid) => {
    for (let p = pid, hops = 0; p && p !== '1' && hops < 10; p = parent.get(p), hops += 1) if (p === String(process.pid)) return true;
    return false;
  };
  return out.filter(ours);
}

const peakKb = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
const resetPeak = (pid) => { try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not ours to reset */ } };

fs.mkdirSync(ARTIFACTS, { recursive: true });
const env = await start();
const rows = [];
try {
  for (const name of names) {
    const spec = SHAPES[name];
    const file = path.join(ARTIFACTS, `hostile-${name}.yaml`);
    const bytes = write(file, spec);
    const h = await openViewer(env);
    const { page } = h;
    await page.waitForLoadState('networkidle');
    const pids = renderers();
    pids.forEach(resetPeak);
    const t0 = Date.now();
    await page.setInputFiles('#file-picker', file);
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-report-ms') || document.querySelector('#analysis-failed'),
      null, { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    const failed = await page.locator('#analysis-failed').count() ? await page.locator('#analysis-failed').innerText() : null;
    const memory = Number(await page.evaluate(() => document.documentElement.getAttribute('data-worker-memory') || 0));
    const diagnostics = failed ? '' : await page.locator('#diagnostics li, #not-analysed li').allInnerTexts();
    const objects = failed ? '' : (await page.locator('.summary .stat.meta .n').allInnerTexts()).join('') || '0';
    const rss = Math.max(0, ...pids.map(peakKb)) * 1024;
    rows.push({ name, bytes, seconds, failed, memory, rss, objects, diagnostics });
    console.log(JSON.stringify(rows.at(-1)));
    await h.context.close();
    fs.rmSync(file);
  }
} finally {
  await env.close();
}

const mib = (b) => `${(b / MiB).toFixed(0)} MiB`;
console.log('\n| shape | input | outcome | worker wasm memory (peak) | ÷ input | renderer peak RSS | ÷ input | goal 8× + 64 MiB |');
console.log('|---|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const outcome = r.failed ? 'worker stopped (message on the page)' : `report, ${r.objects} objects, ${r.seconds.toFixed(1)} s`;
  const goal = 8 * r.bytes + 64 * MiB;
  const memory = r.failed ? 'at the cap' : mib(r.memory);
  const ratio = r.failed ? '–' : `${(r.memory / r.bytes).toFixed(1)}×`;
  console.log(`| ${r.name} | ${(r.bytes / 1e6).toFixed(1)} MB | ${outcome} | ${memory} | ${ratio} | ${mib(r.rss)} | ${(r.rss / r.bytes).toFixed(1)}× | ${r.failed ? 'no' : (r.memory <= goal ? 'yes' : 'no')} (${mib(goal)}) |`);
}
