import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `.ci/run` must run the suite with CI=true unless the CI says otherwise:
 * test/helpers/pg.ts skips the PostgreSQL tests without a server only when CI
 * is not "true", and a silent skip in CI would hide a whole back end.
 */
describe('.ci/run', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs .ci/run with a stand-in `npm` that records CI and stops the script at its first step. */
  function ciSeenByNpm(env: Record<string, string>): string {
    const bin = mkdtempSync(join(tmpdir(), 'ci-run-'));
    dirs.push(bin);
    const seen = join(bin, 'seen');
    writeFileSync(join(bin, 'npm'), `#!/usr/bin/env bash\nprintf '%s' "\${CI-<unset>}" > '${seen}'\nexit 1\n`);
    chmodSync(join(bin, 'npm'), 0o755);
    const { CI: _ci, ...inherited } = process.env;
    const run = spawnSync('bash', [resolve('.ci/run')], { env: { ...inherited, ...env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(run.stdout).toContain('0 passed, 1 failed'); // the stand-in npm ran, and failed the script as a real failure would
    return readFileSync(seen, 'utf8');
  }

  it('sets CI=true when the environment leaves it unset', () => {
    expect(ciSeenByNpm({})).toBe('true');
  });

  it('keeps a CI value the environment already gives', () => {
    expect(ciSeenByNpm({ CI: 'false' })).toBe('false');
  });
});
