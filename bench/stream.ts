import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuth0StandIn, type Auth0StandIn } from '../test/e2e/standins/auth0.js';
import { freePort, startLogStreamStandIn } from '../test/e2e/standins/log-stream.js';
import { startSlackStandIn, type SlackStandIn } from '../test/e2e/standins/slack.js';
import { startBot, waitFor, type BotProcess } from '../test/helpers/e2e-harness.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';

export interface StreamIntakeResult {
  events: number;
  batchSize: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface LatencyResult {
  path: 'stream' | 'poll';
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The poll path's schedule. */
  schedule?: string;
}

const TOKEN = 'bench-log-stream-token-1f0e';
const DEFAULT_SCHEDULE = '*/30 * * * * *';

interface BenchBot {
  auth0: Auth0StandIn;
  slack: SlackStandIn;
  bot: BotProcess;
  port: number;
  close(): Promise<void>;
}

/** The built bot with the default rules, a log stream on, Auth0 and Slack stand-ins. */
async function startBenchBot(rulesDir: string, schedule: string, extraEnv: Record<string, string> = {}): Promise<BenchBot> {
  const auth0 = await startAuth0StandIn();
  const slack = await startSlackStandIn();
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-stream-bench-'));
  const port = await freePort();
  const bot = startBot(
    ['run'],
    {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_CLIENT_ID: auth0.clientId,
      AUTH0_CLIENT_SECRET: auth0.clientSecret,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      ALERT_CHANNEL: '#security-alerts',
      STATE_DB: join(dir, 'state.db'),
      RULES_DIR: rulesDir,
      POLL_SCHEDULE: schedule,
      START_FROM: 'now',
      PORT: String(port),
      LOG_STREAM_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    dir,
  );
  await waitFor('the bot to serve /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)) !== undefined, {
    timeoutMs: 30_000,
    diagnostics: bot.output,
  });
  // The first poll stores the starting position; events added afterwards are new to the poller.
  await waitFor('the first poll', () => auth0.requests.some((r) => r.path.startsWith('/api/v2/logs')), { timeoutMs: 40_000, diagnostics: bot.output });
  return {
    auth0,
    slack,
    bot,
    port,
    async close() {
      bot.child.kill('SIGTERM');
      await bot.exited;
      await Promise.all([auth0.close(), slack.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Log events with the ids Auth0 would give them (date-ordered). */
function withIds(events: ReadonlyArray<Record<string, unknown>>, firstSeq: number): Array<Record<string, unknown>> {
  return events.map((event, index) => {
    const stamp = new Date(String(event.date)).toISOString().slice(0, 19).replace(/[-T:]/g, '');
    const id = `900${stamp}${String(firstSeq + index).padStart(39, '0')}`;
    return { ...event, log_id: id, _id: id };
  });
}

/**
 * Stream intake throughput (`extraEnv`: e.g. DATABASE_URL, for the same on PostgreSQL): batches of `batchSize` POSTed back to back over
 * HTTP (as Auth0 delivers), each answered 200 only once committed to the
 * outbox with the rule state and seen ids. Events/s from first POST to last answer.
 */
export async function benchStreamIntake(rulesDir: string, events: number, batchSize = 100, extraEnv: Record<string, string> = {}): Promise<StreamIntakeResult> {
  const world = await startBenchBot(rulesDir, '0 0 1 1 *', extraEnv);
  try {
    const traffic = new TrafficGenerator({ seed: 17, startMs: Date.now() - 3_600_000 });
    const all = withIds(traffic.steady(events, Math.max(1, Math.floor(events / 1000))), 1);
    const stream = startLogStreamStandIn({ url: `http://127.0.0.1:${world.port}`, authorization: `Bearer ${TOKEN}` });
    const started = performance.now();
    for (let index = 0; index < all.length; index += batchSize) {
      const answer = await stream.post(all.slice(index, index + batchSize), 'jsonlines');
      if (answer.status !== 200) throw new Error(`log-stream batch answered ${answer.status}: ${answer.body}`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { events: all.length, batchSize, seconds, eventsPerSecond: all.length / seconds };
  } finally {
    await world.close();
  }
}

/**
 * Latency from an event's arrival to the Slack stand-in receiving its alert,
 * one breached password at a time on an idle channel (1.2 s apart: Slack's
 * ~1 message/s per channel is never the bottleneck):
 * - stream: from the POST to the message;
 * - poll: from the event appearing in the Auth0 stand-in's API to the message, at `schedule`.
 */
export async function benchLatency(rulesDir: string, path: 'stream' | 'poll', samples: number, schedule = DEFAULT_SCHEDULE): Promise<LatencyResult> {
  const world = await startBenchBot(rulesDir, path === 'poll' ? schedule : '0 0 1 1 *');
  try {
    const traffic = new TrafficGenerator({ seed: 23, startMs: Date.now() });
    const stream = startLogStreamStandIn({ url: `http://127.0.0.1:${world.port}`, authorization: `Bearer ${TOKEN}` });
    const sentAt = new Map<string, number>();
    for (let n = 0; n < samples; n++) {
      const [event] = withIds([{ ...traffic.breachedPassword(), date: new Date().toISOString() }], 1_000 + n);
      const id = String(event!.log_id);
      sentAt.set(id, Date.now());
      if (path === 'stream') {
        const answer = await stream.post([event!], 'jsonarray');
        if (answer.status !== 200) throw new Error(`log-stream answered ${answer.status}: ${answer.body}`);
      } else {
        world.auth0.addEvents([event!]);
      }
      // Spread the poll samples over the schedule's period, so they sample every phase of it.
      await new Promise((r) => setTimeout(r, path === 'stream' ? 1_200 : 1_200 + Math.random() * 3_000));
    }
    const latencies: number[] = [];
    await waitFor(
      'every sample posted to Slack',
      () => {
        latencies.length = 0;
        for (const message of world.slack.messages) {
          for (const id of (message.metadata?.event_payload.log_ids as string[] | undefined) ?? []) {
            const at = sentAt.get(id);
            if (at !== undefined) latencies.push(message.at - at);
          }
        }
        return latencies.length >= samples;
      },
      { timeoutMs: 120_000, diagnostics: world.bot.output },
    );
    latencies.sort((a, b) => a - b);
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
    return { path, samples, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: latencies.at(-1)!, ...(path === 'poll' ? { schedule } : {}) };
  } finally {
    await world.close();
  }
}
