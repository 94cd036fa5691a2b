import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuth0StandIn, makeLogId } from '../test/e2e/standins/auth0.js';
import { startSlackStandIn } from '../test/e2e/standins/slack.js';
import { readState, CLI, REPO_ROOT } from '../test/helpers/e2e-harness.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';
import { runMeasured } from './measure.js';

export interface CatchUpResult {
  events: number;
  botSeconds: number;
  botRuns: number;
  botPeakRssMb: number;
  bareSeconds: number;
  barePeakRssMb: number;
  ratio: number;
  messagesPosted: number;
}

const START = '2024-05-01T11:00:00Z';

/**
 * Works through `total` backlog events with the built CLI (`run --once`,
 * repeated if a cycle stops at its per-cycle bound) and, in the same run, with a
 * bare paging loop against the same stand-in. Traffic that matches no default
 * rule keeps Slack out of the measurement.
 */
export async function benchCatchUp(rulesDir: string, total = 200_000): Promise<CatchUpResult> {
  const auth0 = await startAuth0StandIn({ logsPerSecond: 100_000 });
  const slack = await startSlackStandIn({ anyChannel: true });
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-bench-'));
  try {
    const traffic = new TrafficGenerator({ seed: 9, gapMs: 200 });
    for (let added = 0; added < total; added += 10_000) auth0.addEvents(traffic.steady(Math.min(10_000, total - added), 0));
    const last = auth0.lastLogId();

    const bare = await runMeasured(
      [join(REPO_ROOT, 'bench', 'bare-pager.mjs'), auth0.url, auth0.clientId, auth0.clientSecret, makeLogId(Date.parse(START), 0)],
      {},
      REPO_ROOT,
    );
    if (bare.code !== 0 || !bare.output.includes(`"events":${total}`)) throw new Error(`bare pager failed:\n${bare.output}`);

    const stateDb = join(dir, 'state.db');
    const env = {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_CLIENT_ID: auth0.clientId,
      AUTH0_CLIENT_SECRET: auth0.clientSecret,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      ALERT_CHANNEL: '#security-alerts',
      STATE_DB: stateDb,
      RULES_DIR: rulesDir,
      START_FROM: START,
      LOG_LEVEL: 'warn',
      HOME: dir,
    };
    let botMs = 0;
    let botPeak = 0;
    let runs = 0;
    while (readState(stateDb)?.checkpoint !== last) {
      if (++runs > 100) throw new Error(`run --once did not reach the end in 100 runs; state ${JSON.stringify(readState(stateDb))}`);
      const run = await runMeasured([CLI, 'run', '--once'], env, dir);
      if (run.code !== 0) throw new Error(`run --once exited ${run.code}:\n${run.output.slice(-3000)}`);
      botMs += run.ms;
      botPeak = Math.max(botPeak, run.peakRssMb);
    }
    return {
      events: total,
      botSeconds: botMs / 1000,
      botRuns: runs,
      botPeakRssMb: botPeak,
      bareSeconds: bare.ms / 1000,
      barePeakRssMb: bare.peakRssMb,
      ratio: botMs / bare.ms,
      messagesPosted: slack.messages.length,
    };
  } finally {
    await Promise.all([auth0.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
