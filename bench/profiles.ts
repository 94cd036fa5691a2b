import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/e2e-harness.js';
import { runMeasured } from './measure.js';

export interface ProfilesResult {
  users: number;
  /** Profile rows stored (two per user: impossible travel and first-seen country). */
  profiles: number;
  seconds: number;
  /** The state database on disk (with its WAL), MB. */
  dbMb: number;
  bytesPerProfile: number;
  /** Peak RSS of the bot's poll cycle while it wrote them all. */
  peakRssMb: number;
}

/** 1,000,000 users' logins through the built poll cycle (bench/profiles-worker.mjs). */
export async function benchProfiles(users = 1_000_000): Promise<ProfilesResult> {
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-profiles-'));
  try {
    const stateDb = join(dir, 'state.db');
    const run = await runMeasured([join(REPO_ROOT, 'bench', 'profiles-worker.mjs'), stateDb, String(users)], {}, REPO_ROOT);
    const line = run.output.trim().split('\n').pop() ?? '';
    const result = JSON.parse(line.startsWith('{') ? line : '{}') as { ok?: boolean; events?: number; profiles?: number };
    if (run.code !== 0 || result.ok !== true || result.events !== users) throw new Error(`the profiles worker failed (exit ${run.code}):\n${run.output.slice(-3000)}`);
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    const bytes = size(stateDb) + size(`${stateDb}-wal`);
    return {
      users,
      profiles: result.profiles ?? 0,
      seconds: run.ms / 1000,
      dbMb: bytes / 1024 / 1024,
      bytesPerProfile: bytes / Math.max(1, result.profiles ?? 1),
      peakRssMb: run.peakRssMb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
