// kwctl, Kubewarden's own evaluator (the policy-evaluator crate policy-server runs): every fixture under
// every settings profile, kubewarden.wasm in waPC mode, opa.wasm in `opa` mode and gatekeeper.wasm in
// `gatekeeper` mode (each mode named by the artifact's own metadata), must decide exactly as native
// policy-core. Not a `*.test.mjs`: it needs the prebuilt kwctl, so scripts/test-hosts.sh
// runs it as its own suite: `KWCTL=…/kwctl KWCTL_TRUST_CONFIG=…/sigstore-client-trust-config.json node --test js/kwctl.mjs`.
// Offline: a throw-away HOME and XDG dirs, a local Sigstore trust root, and proxies that lead nowhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  assertExpected, assertSame, dist, errorVerdict, expected, fixtureDir, fixtures, fromAdmissionResponse, native,
} from './common.mjs';

const kwctl = process.env.KWCTL;
const trustConfig = process.env.KWCTL_TRUST_CONFIG;
assert.ok(kwctl && trustConfig, 'set KWCTL and KWCTL_TRUST_CONFIG');

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'authn-audit-kwctl-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));
const dead = 'http://127.0.0.1:9'; // the discard port: any download attempt fails instead of leaving the machine
const env = {
  PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_DATA_HOME: path.join(home, '.local/share'), XDG_CACHE_HOME: path.join(home, '.cache'),
  HTTP_PROXY: dead, HTTPS_PROXY: dead, http_proxy: dead, https_proxy: dead, NO_PROXY: '', no_proxy: '',
};
// Every module runs in the mode its metadata names, as policy-server would run it (kwctl 1.35 refuses
// `--execution-mode kubewarden`, and a mode that contradicts the metadata).
const modules = {
  waPC: { wasm: path.join(dist, 'kubewarden.wasm'), mode: 'kubewarden-wapc' },
  opa: { wasm: path.join(dist, 'opa.wasm'), mode: 'opa' },
  gatekeeper: { wasm: path.join(dist, 'gatekeeper.wasm'), mode: 'gatekeeper' },
};

/** `kwctl run` of one fixture; the AdmissionResponse it prints on stdout. */
function run(mode, name, settings) {
  const args = ['run', '--sigstore-trust-config', trustConfig,
    '--request-path', path.join(fixtureDir, `${name}.json`), '--settings-json', JSON.stringify(settings),
    `file://${modules[mode].wasm}`];
  const stdout = execFileSync(kwctl, args, { cwd: home, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(stdout);
}

/** An AdmissionResponse → Verdict; a policy that failed to evaluate is kwctl's 500 rejection. */
function verdict(response) {
  if (response.allowed === false && response.status?.code === 500) return errorVerdict(response.status.message);
  return fromAdmissionResponse(response);
}

/**
 * Native's verdict as Kubewarden's gatekeeper mode reports it: the violations (rejecting findings) only, their
 * messages joined by `, `, no audit annotations, no warnings.
 */
function asGatekeeper(want) {
  if (want.error !== null) return want;
  const violations = want.message?.split(/; (?=[A-Z]{2}\d{3}: )/) ?? [];
  return { ...want, message: violations.length ? violations.join(', ') : null, deny: [], warn: [], warnings: [] };
}

test('kwctl is the Kubewarden 1.35 evaluator', () => {
  const version = execFileSync(kwctl, ['--version'], { cwd: home, env, encoding: 'utf8' });
  assert.match(version, /^kwctl 1\.35\./m);
});

test('kwctl inspect reads every artifact\'s metadata, each naming its execution mode', () => {
  for (const [name, { wasm, mode }] of Object.entries(modules)) {
    const yaml = execFileSync(kwctl, ['inspect', '--output', 'yaml', `file://${wasm}`], { cwd: home, env, encoding: 'utf8' });
    assert.match(yaml, new RegExp(`executionMode: ${mode}\\b`), `${name}: ${yaml}`);
    assert.match(yaml, /io\.kubewarden\.policy\.title: authn-audit/, name);
  }
});

for (const mode of Object.keys(modules)) {
  for (const [profile, settings] of Object.entries(native.profiles)) {
    test(`${mode} mode: every fixture matches native policy-core (${profile} settings)`, () => {
      for (const [name] of fixtures) {
        const got = verdict(run(mode, name, settings));
        const want = native.verdicts[profile][name];
        const where = `kwctl ${mode}/${profile}/${name}`;
        if (mode === 'waPC') {
          assertSame(got, want, where);
        } else if (want.error !== null) {
          // burrego's opa_abort only logs: the module answers a rejection that says why, never a trap.
          assert.equal(got.allowed, false, `${where}: must fail closed, got ${JSON.stringify(got)}`);
          assert.match(got.message ?? '', /^the request could not be evaluated: /, where);
        } else if (mode === 'opa') {
          assertSame(got, want, where);
        } else {
          assert.deepEqual({ ...got, deny: [], warn: [], warnings: [] }, asGatekeeper(want), where);
        }
      }
    });
  }

  test(`${mode} mode: every fixture gives its expected codes`, () => {
    for (const [name] of fixtures) {
      const got = verdict(run(mode, name, {}));
      if (mode !== 'waPC' && expected[name].error) {
        // The Rego modes answer a failed evaluation with a rejection that says why (see above).
        assert.equal(got.allowed, false, `${name}: must fail closed`);
      } else if (mode !== 'gatekeeper') {
        assertExpected(got, name);
      } else {
        // No audit annotations in this mode: the codes are the violations' prefixes.
        const deny = [...(got.message ?? '').matchAll(/(?:^|, )([A-Z]{2}\d{3}): /g)].map((m) => m[1]).sort();
        assertExpected({ ...got, deny: [...new Set(deny)] }, name, { warnings: false });
      }
    }
  });
}

test('the self-exempting fixtures are rejected by default and exempted only by the owner profile', () => {
  const selfExempt = fixtures.filter(([name]) => name.endsWith('_self_exempt'));
  assert.equal(selfExempt.length, 2);
  for (const mode of Object.keys(modules)) {
    for (const [name] of selfExempt) {
      assert.equal(run(mode, name, {}).allowed, false, `kwctl ${mode}/${name}: the annotation exempted it`);
      assert.equal(run(mode, name, native.profiles.owner).allowed, true, `kwctl ${mode}/${name}: owner settings`);
    }
  }
});
