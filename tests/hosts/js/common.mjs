// Shared by the JS host tests: fixtures, native verdicts (written by the Rust `native-decisions`
// bin), and one normalised verdict shape per host answer, the same as the Rust `Verdict`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const dist = process.env.AUTHN_AUDIT_DIST ?? path.join(repo, 'dist/policy');
const nativePath = process.env.AUTHN_AUDIT_NATIVE ?? path.join(repo, 'target/hosts/native-decisions.json');
export const fixtureDir = path.join(repo, 'tests/fixtures/admission');

/** @type {{profiles: Record<string, object>, verdicts: Record<string, Record<string, Verdict>>, audit: object, auditFiles: {name: string, content: string}[], rules: string[]}} */
export const native = JSON.parse(fs.readFileSync(nativePath, 'utf8'));

/** [name, AdmissionReview] for every fixture, sorted by name. */
export const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json') && f !== 'expected.json')
  .sort()
  .map((f) => [f.slice(0, -'.json'.length), JSON.parse(fs.readFileSync(path.join(fixtureDir, f), 'utf8'))]);

export const expected = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'expected.json'), 'utf8'));
delete expected._comment;

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

const codes = (list) => (list ?? '').split(',').filter((c) => c !== '');
const uniqueSorted = (xs) => [...new Set(xs)].sort();

/**
 * @typedef {{allowed: boolean|null, message: string|null, deny: string[], warn: string[], warnings: string[], error: string|null}} Verdict
 */
export const errorVerdict = (e) => ({ allowed: null, message: null, deny: [], warn: [], warnings: [], error: String(e?.message ?? e) });

/** Kubewarden ValidationResponse → Verdict. */
export function fromValidationResponse(r) {
  const a = r.audit_annotations ?? {};
  return {
    allowed: r.accepted, message: r.message ?? null, deny: codes(a['authn-audit-reject']), warn: codes(a['authn-audit-warn']),
    warnings: r.warnings ?? [], error: null,
  };
}

/** AdmissionResponse (OPA's `main`, kwctl's output) → Verdict. */
export function fromAdmissionResponse(r) {
  const a = r.auditAnnotations ?? {};
  return {
    allowed: r.allowed, message: r.status?.message ?? null, deny: codes(a['authn-audit-reject']),
    warn: codes(a['authn-audit-warn']), warnings: r.warnings ?? [], error: null,
  };
}

/** OPA `authn_audit/main` result set → Verdict. */
export function fromOpaMain(resultSet) {
  assert.equal(resultSet.length, 1, 'main is defined for every request');
  return fromAdmissionResponse(resultSet[0].result.response);
}

/** OPA `authn_audit/violation` result set → Verdict (violations carry no warnings). */
export function fromViolations(resultSet) {
  assert.equal(resultSet.length, 1, 'violation is defined for every request');
  const violations = resultSet[0].result;
  return {
    allowed: violations.length === 0, message: violations.length ? violations.map((v) => v.msg).join('; ') : null,
    deny: uniqueSorted(violations.map((v) => v.details.code)), warn: [], warnings: [], error: null,
  };
}

/** npm `admit` answer → Verdict, splitting codes at the profile's threshold. */
export function fromNpm(answer, settings) {
  if (answer.type === 'failure') return errorVerdict(answer.errors.map((e) => e.message).join('; '));
  const d = answer.decision;
  const at = SEVERITIES.indexOf(settings.rejectAt ?? 'medium');
  const rejects = (f) => SEVERITIES.indexOf(f.severity) >= at;
  return {
    allowed: d.allowed, message: d.message ?? null, deny: uniqueSorted(d.findings.filter(rejects).map((f) => f.code)),
    warn: uniqueSorted(d.findings.filter((f) => !rejects(f)).map((f) => f.code)), warnings: d.warnings, error: null,
  };
}

/** Assert a host verdict equals native's; errors only need to fail closed with native's reason. */
export function assertSame(got, want, where, { warnings = true } = {}) {
  if (want.error !== null) {
    assert.equal(got.allowed, null, `${where}: must fail closed, got ${JSON.stringify(got)}`);
    assert.ok(got.error?.includes(want.error), `${where}: error ${JSON.stringify(got.error)} lacks ${JSON.stringify(want.error)}`);
    return;
  }
  assert.deepEqual(got, warnings ? want : { ...want, warn: [], warnings: [] }, where);
}

/** Assert the expected-verdict table (default settings); `warnings: false` for hosts that report none. */
export function assertExpected(got, name, { warnings = true } = {}) {
  const want = expected[name];
  assert.ok(want, `expected.json has no entry for ${name}`);
  if (want.error) return assert.equal(got.allowed, null, `${name}: must fail closed`);
  assert.equal(got.allowed, want.allowed, `${name}: allowed`);
  assert.deepEqual(got.deny, want.deny, `${name}: deny codes`);
  if (want.warn && warnings) assert.deepEqual(got.warn, want.warn, `${name}: warn codes`);
}

/** Every fixture under every profile: `check(profileName, settings, name, review)`. */
export function forEachCase(check) {
  for (const [profile, settings] of Object.entries(native.profiles)) {
    for (const [name, review] of fixtures) check(profile, settings, name, review, native.verdicts[profile][name]);
  }
}
