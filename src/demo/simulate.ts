import type { LogEvent } from '../auth0/log-event.js';
import type { Catalog } from '../catalog/types.js';
import { compileRules, evaluate, initialState, loadRuleLayers } from '../engine/index.js';
import { silentLogger } from '../log.js';
import type { Clock } from '../slack/clock.js';
import type { SlackMessage, SlackUpdate } from '../slack/format.js';
import type { SlackPoster } from '../slack/poster.js';
import { createSender } from '../slack/sender.js';
import { SqliteStateStore } from '../state/sqlite/store.js';
import { DEMO_TENANT, demoEvents } from './sample.js';

/** One Slack call the demo would make, in order. */
export type DemoCall =
  | { method: 'chat.postMessage'; body: SlackMessage; ts: string }
  | { method: 'chat.update'; body: SlackUpdate };

export interface DemoOptions {
  catalog: Catalog;
  /** Your rule folders, layered over the default rules; none: the default rules alone. */
  rulesDirs?: readonly string[];
  channel?: string;
  events?: LogEvent[];
}

/**
 * Runs the sample through the real engine and the real sender (an in-memory
 * outbox, a recording poster, a clock that never waits), so the demo shows
 * exactly what `run` would post: channel messages, thread replies, updates.
 */
export async function simulateDemo(options: DemoOptions): Promise<DemoCall[]> {
  const loaded = loadRuleLayers({ dirs: options.rulesDirs ?? [] }, options.catalog);
  const [problem] = loaded.problems;
  if (problem) throw problem;
  const ruleSet = compileRules(loaded.rules, options.catalog);
  const { alerts } = evaluate(ruleSet, initialState(), options.events ?? demoEvents());

  const channel = options.channel ?? '#security-alerts';
  const store = SqliteStateStore.open(':memory:');
  try {
    await store.enqueueAlerts(DEMO_TENANT.key, alerts, channel, new Date(0));
    const calls: DemoCall[] = [];
    const sender = createSender({
      store,
      poster: recordingPoster(calls),
      catalog: options.catalog,
      logger: silentLogger(),
      defaultChannel: channel,
      dashboardFor: () => DEMO_TENANT.dashboard,
      clock: instantClock(),
    });
    await sender.drainOnce({ deadlineMs: Number.MAX_SAFE_INTEGER / 2 });
    return calls;
  } finally {
    await store.close();
  }
}

function recordingPoster(calls: DemoCall[]): SlackPoster {
  let sequence = 0;
  return {
    async postMessage(body) {
      sequence += 1;
      const ts = `1715677200.${String(sequence).padStart(6, '0')}`;
      calls.push({ method: 'chat.postMessage', body: body as SlackMessage, ts }); // the demo's store has no problems: no notice is posted
      return { ts, channel: body.channel };
    },
    async update(body) {
      calls.push({ method: 'chat.update', body });
    },
  };
}

function instantClock(): Clock {
  let time = Date.parse('2024-05-14T09:10:00.000Z');
  return {
    now: () => time,
    sleep: async (ms) => {
      time += Math.max(0, ms);
    },
  };
}
