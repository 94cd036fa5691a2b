import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuth0StandIn } from '../test/e2e/standins/auth0.js';
import { startSlackStandIn } from '../test/e2e/standins/slack.js';
import { CLI, readState } from '../test/helpers/e2e-harness.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';
import { runMeasured } from './measure.js';

export interface DrainResult {
  channels: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
}

/** One rule per channel, all matching breached passwords: each event becomes one alert per channel. */
function writeRules(dir: string, channels: number): void {
  mkdirSync(dir, { recursive: true });
  // Only these rules: the default pack would add its own alerts to the count.
  writeFileSync(join(dir, 'defaults.yml'), 'use_defaults: false\n');
  for (let c = 0; c < channels; c++) {
    writeFileSync(
      join(dir, `bench-${c}.yml`),
      [
        `id: bench-breached-${c}`,
        'severity: critical',
        'match: { codes: [pwd_leak] }',
        'throttle: { period: 1h, by: [user_name, ip] }',
        `channel: "#bench-${c}"`,
        '',
      ].join('\n'),
    );
  }
}

/**
 * Outbox drain rate against the Slack stand-in with no rate limit: the alerts are
 * queued by a first poll, then sent by the bot's own sender (which paces itself
 * per channel, as Slack asks). Fewer pending alerts per channel than the digest
 * threshold, so every alert is its own message. Rate = messages / (last − first post).
 */
export async function benchDrain(channels: number, perChannel: number): Promise<DrainResult> {
  const auth0 = await startAuth0StandIn();
  const slack = await startSlackStandIn({ anyChannel: true });
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-drain-'));
  try {
    const rulesDir = join(dir, 'rules');
    writeRules(rulesDir, channels);
    const traffic = new TrafficGenerator({ seed: 5 });
    auth0.addEvents(Array.from({ length: perChannel }, () => traffic.breachedPassword()));
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
      START_FROM: '2024-05-01T11:00:00Z',
      LOG_LEVEL: 'warn',
      HOME: dir,
    };
    const expected = channels * perChannel;
    for (let runs = 0; slack.messages.length < expected || (readState(stateDb)?.pending ?? 1) > 0; runs++) {
      if (runs >= 20) throw new Error(`outbox not drained after 20 runs: ${JSON.stringify(readState(stateDb))}`);
      const run = await runMeasured([CLI, 'run', '--once'], env, dir);
      if (run.code !== 0) throw new Error(`run --once exited ${run.code}:\n${run.output.slice(-3000)}`);
    }
    const times = slack.messages.map((m) => m.at);
    const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
    return {
      channels,
      messages: slack.messages.length,
      seconds,
      messagesPerSecond: seconds > 0 ? (slack.messages.length - 1) / seconds : Infinity,
    };
  } finally {
    await Promise.all([auth0.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
