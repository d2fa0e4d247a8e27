// Node figures for docs/benchmarks.md ("Figures: policy-wasm"): one decision per realistic review
// of tests/fixtures/admission-bench/ through each JS host, interleaved with the floor, `JSON.parse`
// of the same payload in the same process: medians, p99 and the ratios, and whether @wapc/host meets
// issue 15's goal (median ≤ 25 µs, p99 ≤ 150 µs; a column, not an exit status). Then the OPA module's memory: its pages after
// loading into 5 pages, and after EVALUATIONS evaluations of every review in turn (growth must stop).
// Usage: node bench.mjs [CALLS] [EVALUATIONS]   (defaults 2000 and 100000; needs `cargo xtask wasm`)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = process.env.AUTHN_AUDIT_DIST ?? path.join(repo, 'dist/policy');
const require = createRequire(import.meta.url);
const { instantiate } = require('@wapc/host');
const { loadPolicy } = require('@open-policy-agent/opa-wasm');
const npm = require(path.join(dist, 'npm/node/authn_audit.js'));

const calls = Number(process.argv[2] ?? 2000);
const evaluations = Number(process.argv[3] ?? 100000);
const GOAL = { median: 25, p99: 150 };

const benchDir = path.join(repo, 'tests/fixtures/admission-bench');
const reviews = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f.slice(0, -'.json'.length), fs.readFileSync(path.join(benchDir, f), 'utf8')]);
const pod = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/admission/ok_pod_default_token.json'), 'utf8'));
pod.request.object.metadata.annotations = { blob: 'x'.repeat(1 << 20) };
reviews.push(['1 MB Pod', JSON.stringify(pod)]);

const wapc = await instantiate(fs.readFileSync(path.join(dist, 'kubewarden.wasm')), () => new Uint8Array());
const opa = await loadPolicy(fs.readFileSync(path.join(dist, 'opa.wasm')));
const enc = new TextEncoder();

const quantile = (times, q) => times.sort((a, b) => a - b)[Math.round((times.length - 1) * q)];
// The process's CPU time (user + system, µs), so that a call the scheduler suspends for another
// process of the shared machine is not counted as slow.
const micros = (f) => {
  const start = process.cpuUsage();
  const out = f();
  const used = process.cpuUsage(start);
  return [used.user + used.system, out];
};

console.log(`\`node bench.mjs ${calls} ${evaluations}\` (tests/hosts/bench.mjs): ${calls} calls per review and host, interleaved, CPU time\n`);
console.log('| review | `JSON.parse` (floor) | `@wapc/host` median | p99 | / parse | goal | opa-wasm median | p99 | / parse | npm median | / parse |');
console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
// Warm-up: V8 compiles wasm with its baseline compiler first and optimises the functions that
// run often, so every host decides every review a few hundred times before anything is timed.
for (let i = 0; i < 200; i++) {
  for (const [, text] of reviews.slice(0, -1)) {
    const review = JSON.parse(text);
    await wapc.invoke('validate', enc.encode(JSON.stringify({ request: review.request, settings: {} })));
    opa.evaluate({ request: review.request }, 'authn_audit/main');
    npm.admit(review);
  }
}
for (const [name, text] of reviews) {
  const review = JSON.parse(text);
  // The floor parses what @wapc/host is given: the compact Kubewarden payload of the review.
  const payloadText = JSON.stringify({ request: review.request, settings: {} });
  const payload = enc.encode(payloadText);
  const n = name === '1 MB Pod' ? Math.max(10, Math.floor(calls / 50)) : calls;
  const times = { parse: [], wapc: [], opa: [], npm: [] };
  for (let i = 0; i < n + Math.ceil(n / 10); i++) {
    const warm = i < Math.ceil(n / 10);
    const [parse] = micros(() => JSON.parse(payloadText));
    // @wapc/host's invoke is async by signature only: the guest runs inside the timed call.
    const [w, pending] = micros(() => wapc.invoke('validate', payload));
    const answer = await pending;
    const [o, result] = micros(() => opa.evaluate({ request: review.request }, 'authn_audit/main'));
    const [m, admitted] = micros(() => npm.admit(review));
    if (!answer || !result?.[0]?.result?.response || admitted === undefined) throw new Error(`${name}: a call failed`);
    if (!warm) {
      times.parse.push(parse);
      times.wapc.push(w);
      times.opa.push(o);
      times.npm.push(m);
    }
  }
  const p = quantile(times.parse, 0.5);
  const [wm, w99] = [quantile(times.wapc, 0.5), quantile(times.wapc, 0.99)];
  const [om, o99] = [quantile(times.opa, 0.5), quantile(times.opa, 0.99)];
  const nm = quantile(times.npm, 0.5);
  const small = name !== '1 MB Pod';
  const met = wm <= GOAL.median && w99 <= GOAL.p99;
  const f = (x) => `${x.toFixed(1)} µs`;
  const r = (x) => `${(x / p).toFixed(1)}×`;
  console.log(
    `| ${name} | ${f(p)} | ${f(wm)} | ${f(w99)} | ${r(wm)} | ${small ? (met ? 'met' : 'MISSED') : '(not a goal)'} | ${f(om)} | ${f(o99)} | ${r(om)} | ${f(nm)} | ${r(nm)} |`,
  );
}

// The OPA module's memory, in a fresh instance given the 5 pages Kubewarden's burrego gives: the
// host writes each input above the heap and rewinds the heap after each evaluation, so the pages
// must stop growing once every review has been seen.
const memoryPolicy = await loadPolicy(fs.readFileSync(path.join(dist, 'opa.wasm')), { initial: 5 });
const pagesOf = () => memoryPolicy.mem.buffer.byteLength / 65536;
const loaded = pagesOf();
const small = reviews.filter(([name]) => name !== '1 MB Pod').map(([, text]) => JSON.parse(text));
for (const review of small) memoryPolicy.evaluate({ request: review.request }, 'authn_audit/main');
const afterOneRound = pagesOf();
for (let i = 0; i < evaluations; i++) {
  memoryPolicy.evaluate({ request: small[i % small.length].request }, 'authn_audit/main');
}
const afterAll = pagesOf();
const bounded = afterAll === afterOneRound;
console.log('\n| opa.wasm memory (opa-wasm host, 5 pages given) | pages |\n|---|---:|');
console.log(`| after loading (the module's warm-up included) | ${loaded} |`);
console.log(`| after each review once | ${afterOneRound} |`);
console.log(`| after ${evaluations} more evaluations | ${afterAll} |`);
console.log(bounded ? '\nopa.wasm: no growth after the first round' : '\nopa.wasm: MEMORY GREW after the first round');
// The goal column is information (absolute times on a shared machine are the load's as much as
// the code's); unbounded memory is a failure.
if (!bounded) {
  console.error('bench: opa.wasm memory is not bounded');
  process.exitCode = 1;
}
