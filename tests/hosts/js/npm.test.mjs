// The npm package (wasm-bindgen), node build and web build, against native policy-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assertExpected, assertSame, dist, fixtures, fromNpm, native } from './common.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(dist, 'npm/package.json'), 'utf8'));
const node = createRequire(import.meta.url)(path.join(dist, 'npm', pkg.exports['.'].node));
const web = await import(pathToFileURL(path.join(dist, 'npm', pkg.exports['./web'].default)).href);
await web.default({ module_or_path: fs.readFileSync(path.join(dist, 'npm/web/authn_audit_bg.wasm')) });

for (const [build, lib] of [['node', node], ['web', web]]) {
  test(`${build}: version and rules`, () => {
    assert.equal(lib.version(), pkg.version);
    const rules = lib.rules();
    assert.deepEqual(rules.map((r) => r.code), native.rules);
    for (const r of rules) assert.ok(r.title.length > 0 && r.docs.includes('## What it does'), r.code);
  });

  test(`${build}: admit matches native policy-core for every fixture and profile`, () => {
    for (const [profile, settings] of Object.entries(native.profiles)) {
      for (const [name, review] of fixtures) {
        const want = native.verdicts[profile][name];
        assertSame(fromNpm(lib.admit(review, settings), settings), want, `${profile}/${name} (review)`);
        assertSame(fromNpm(lib.admit(review.request, settings), settings), want, `${profile}/${name} (request)`);
      }
    }
  });

  test(`${build}: bad calls are failures, not exceptions`, () => {
    assert.deepEqual(lib.admit({ kind: 'AdmissionReview' }), {
      type: 'failure', errors: [{ message: 'AdmissionReview has no `request`' }],
    });
    assert.equal(lib.admit(fixtures[0][1], { rejectAt: 'never' }).type, 'failure');
    assert.equal(lib.audit('not a list').type, 'failure');
  });

  test(`${build}: audit gives the CLI's report JSON`, () => {
    // The texts native policy-core read (findings carry columns: the same bytes, not a re-serialisation).
    assert.deepEqual(native.auditFiles.map((f) => f.name), fixtures.map(([name]) => `${name}.json`));
    const answer = lib.audit(native.auditFiles, { now: '2025-11-28T12:00:00Z' });
    assert.equal(answer.type, 'success');
    assert.deepEqual(answer.report, native.audit);
  });

  test(`${build}: audit defaults its clock to now`, () => {
    const answer = lib.audit([], undefined);
    const at = Date.parse(answer.report.evaluatedAt);
    assert.ok(Math.abs(at - Date.now()) < 60_000, answer.report.evaluatedAt);
  });

  test(`${build}: every fixture gives its expected codes`, () => {
    for (const [name, review] of fixtures) assertExpected(fromNpm(lib.admit(review), {}), name);
  });
}
