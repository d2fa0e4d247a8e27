// opa.wasm in @open-policy-agent/opa-wasm (OPA's JS SDK; ABI 1.2 fast path).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { assertExpected, assertSame, dist, errorVerdict, fixtures, fromOpaMain, fromViolations, native } from './common.mjs';

const { loadPolicy } = createRequire(import.meta.url)('@open-policy-agent/opa-wasm');
const wasm = fs.readFileSync(path.join(dist, 'opa.wasm'));
const policy = await loadPolicy(wasm); // default memory: 5 pages, as Kubewarden's burrego

function main(review, settings) {
  policy.setData(settings);
  try {
    return fromOpaMain(policy.evaluate({ request: review.request }, 'authn_audit/main'));
  } catch (e) {
    return errorVerdict(e);
  }
}

function violation(review, settings) {
  try {
    return fromViolations(policy.evaluate({ review: review.request, parameters: settings }, 0));
  } catch (e) {
    return errorVerdict(e);
  }
}

test('entrypoints: violation is 0, main is 1', () => {
  assert.deepEqual(policy.entrypoints, { 'authn_audit/violation': 0, 'authn_audit/main': 1 });
});

test('missing or malformed input aborts: never an empty violation set', () => {
  policy.setData({});
  for (const ep of [0, 1]) {
    assert.throws(() => policy.evaluate(undefined, ep), /input is undefined/);
    assert.throws(() => policy.evaluate({ wrong: 1 }, ep), /input has no/);
  }
  assert.throws(() => policy.evaluate({ review: { operation: 'CREATE' } }, 0), /no `object`/);
  assert.deepEqual(policy.evaluate({}, 7), [], 'an unknown entrypoint is undefined');
});

for (const [profile, settings] of Object.entries(native.profiles)) {
  test(`every fixture matches native policy-core, both entrypoints (${profile} settings)`, () => {
    for (const [name, review] of fixtures) {
      const want = native.verdicts[profile][name];
      assertSame(main(review, settings), want, `main ${profile}/${name}`);
      assertSame(violation(review, settings), want, `violation ${profile}/${name}`, { warnings: false });
    }
  });
}

test('answers stay the same across many evaluations of one instance (heap rewinds)', () => {
  const once = fixtures.map(([, r]) => main(r, {}));
  for (let round = 0; round < 3; round++) {
    const again = [...fixtures].reverse().map(([, r]) => main(r, {})).reverse();
    assert.deepEqual(again, once, `round ${round}`);
  }
});

test('after a 2 MB object every fixture still matches native (nothing lives above the heap pointer)', () => {
  // A global built lazily during an evaluation sits in memory the host rewinds; the big input
  // overwrites it, and a later evaluation reading it breaks. The module builds them at load.
  const [, review] = fixtures.find(([n]) => n === 'ok_pod_no_token');
  const big = structuredClone(review);
  big.request.object.metadata.annotations = { blob: 'x'.repeat(2 << 20) };
  assert.deepEqual(main(big, {}), main(review, {}));
  for (const [name, r] of fixtures) assertSame(main(r, {}), native.verdicts.default[name], `after 2 MB: ${name}`);
});

test('every fixture gives its expected codes', () => {
  for (const [name, review] of fixtures) assertExpected(main(review, {}), name);
});
