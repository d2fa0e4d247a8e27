// Node figures for docs/benchmarks.md: median time of one decision through each JS host, for a
// small Pod and a 1 MB one, with the ratio to the native call the Rust bench measured
// (target/hosts/bench-native.json: `policy_wasm::kubewarden::validate` on the same request).
// Run the Rust bench first: scripts/test-hosts.sh --bench does both.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { dist, fixtures, repo } from './js/common.mjs';

const require = createRequire(import.meta.url);
const { instantiate } = require('@wapc/host');
const { loadPolicy } = require('@open-policy-agent/opa-wasm');
const npm = require(path.join(dist, 'npm/node/authn_audit.js'));
const native = JSON.parse(fs.readFileSync(path.join(repo, 'target/hosts/bench-native.json'), 'utf8'));

const small = fixtures.find(([n]) => n === 'ok_pod_default_token')[1];
const large = structuredClone(small);
large.request.object.metadata.annotations = { blob: 'x'.repeat(1 << 20) };

const wapc = await instantiate(fs.readFileSync(path.join(dist, 'kubewarden.wasm')), () => new Uint8Array());
const opa = await loadPolicy(fs.readFileSync(path.join(dist, 'opa.wasm')));
const enc = new TextEncoder();

async function median(iterations, f) {
  for (let i = 0; i < Math.ceil(iterations / 10); i++) await f();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

console.log('| decision in node | host | median | ratio to native |\n|---|---|---:|---:|');
for (const [label, review, iterations] of [['small Pod (2 KB)', small, 2000], ['1 MB Pod', large, 40]]) {
  const nat = native[label].nativeMicros;
  const payload = enc.encode(JSON.stringify({ request: review.request, settings: {} }));
  const rows = [
    ['`@wapc/host` (kubewarden.wasm)', () => wapc.invoke('validate', payload)],
    ['`@open-policy-agent/opa-wasm` (opa.wasm)', () => opa.evaluate({ request: review.request }, 'authn_audit/main')],
    ['npm package, node build', () => npm.admit(review)],
  ];
  for (const [host, f] of rows) {
    const m = await median(iterations, f);
    console.log(`| ${label} | ${host} | ${m.toFixed(1)} µs | ${(m / nat).toFixed(1)}× |`);
  }
}
