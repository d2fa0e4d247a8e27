// The npm package's TypeScript types: ts/check.ts must compile under --strict, and its
// `@ts-expect-error` lines prove the types are precise (an `any` would make them unused errors).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test('tsc --strict accepts typed use of the package and rejects misuse', () => {
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(here, '../ts/tsconfig.json')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
