// kubewarden.wasm in @wapc/host (the waPC host for JS, e.g. a browser).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { assertExpected, assertSame, dist, errorVerdict, fixtures, fromValidationResponse, native } from './common.mjs';

const { instantiate } = createRequire(import.meta.url)('@wapc/host');
const wasm = fs.readFileSync(path.join(dist, 'kubewarden.wasm'));
const host = await instantiate(wasm, (binding, ns, op) => {
  throw new Error(`unexpected host call ${binding}/${ns}/${op}`);
});
const enc = (x) => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x));
const dec = (b) => JSON.parse(new TextDecoder().decode(b));

async function validate(review, settings) {
  try {
    return fromValidationResponse(dec(await host.invoke('validate', enc({ request: review.request, settings }))));
  } catch (e) {
    return errorVerdict(e);
  }
}

test('protocol_version is "v1"', async () => {
  assert.equal(dec(await host.invoke('protocol_version', new Uint8Array())), 'v1');
});

test('validate_settings', async () => {
  assert.deepEqual(dec(await host.invoke('validate_settings', enc({ rejectAt: 'high' }))), { valid: true, message: null });
  assert.deepEqual(dec(await host.invoke('validate_settings', enc({ exemptUsers: [''] }))), {
    valid: false, message: '`exemptUsers` holds an empty name',
  });
});

test('unknown operations are errors', async () => {
  await assert.rejects(host.invoke('mutate', enc({})), /No handler registered/);
});

for (const [profile] of Object.entries(native.profiles)) {
  test(`every fixture matches native policy-core (${profile} settings)`, async () => {
    for (const [name, review] of fixtures) {
      assertSame(await validate(review, native.profiles[profile]), native.verdicts[profile][name], `${profile}/${name}`);
    }
  });
}

test('every fixture gives its expected codes', async () => {
  for (const [name, review] of fixtures) assertExpected(await validate(review, {}), name);
});
