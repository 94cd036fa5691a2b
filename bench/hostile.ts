import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeLogEvent, type LogEvent } from '../src/auth0/log-event.js';
import { loadCatalog } from '../src/catalog/index.js';
import { compileRules, evaluate, initialState, RuleSchema } from '../src/engine/index.js';
import { escapeMrkdwn } from '../src/slack/escape.js';
import { formatAlert } from '../src/slack/format.js';
import { startAuth0StandIn } from '../test/e2e/standins/auth0.js';
import { startSlackStandIn } from '../test/e2e/standins/slack.js';
import { startBot, waitFor } from '../test/helpers/e2e-harness.js';
import { upload } from '../test/helpers/http-upload.js';
import { makeAlert } from '../test/helpers/slack-fixtures.js';

/**
 * Hostile input (issue 11): the cost of the worst values an attacker can put in
 * a log event, and the memory the bot's HTTP endpoint takes for oversized
 * bodies. Timings live here, not in tests.
 */
export interface HostileResult {
  /** Normalising one event with a 10,000-level nesting and a 5 MB user name. */
  normalizeMs: number;
  /** Evaluating `regex: "^(a+)+$"` against 5,000-character user names, per event. */
  backtrackingRegexUs: number;
  /** Formatting an alert whose every value is 5 MB. */
  formatMs: number;
  /** escapeMrkdwn of 5 MB of letters (the old pattern backtracked quadratically). */
  escapeMs: number;
  /** RSS of the running bot (HTTP mode) before and at its peak while ten 50 MB unsigned bodies are posted at once. */
  http: { rssBeforeMb: number; peakRssMb: number; growthMb: number; statuses: Array<number | undefined> };
}

export const HOSTILE_TARGETS = { perEventMs: 50, formatMs: 200, httpGrowthMb: 50 };

function timed<T>(run: () => T, repeat = 5): { ms: number; value: T } {
  let value = run();
  const started = performance.now();
  for (let i = 0; i < repeat; i++) value = run();
  return { ms: (performance.now() - started) / repeat, value };
}

function deepJson(levels: number): string {
  return `${'{"d":'.repeat(levels)}"x"${'}'.repeat(levels)}`;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

async function httpMemory(): Promise<HostileResult['http']> {
  const auth0 = await startAuth0StandIn();
  const slack = await startSlackStandIn();
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-bench-hostile-'));
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const bot = startBot(
    ['run'],
    {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_CLIENT_ID: auth0.clientId,
      AUTH0_CLIENT_SECRET: auth0.clientSecret,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      ALERT_CHANNEL: '#security-alerts',
      STATE_DB: join(dir, 'state.db'),
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    dir,
  );
  try {
    await waitFor('the bot to serve /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)) !== undefined, {
      timeoutMs: 30_000,
      diagnostics: bot.output,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const rssBeforeKb = statusKb(bot.pid, 'VmRSS');
    const fifty = 50 * 1024 * 1024;
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => upload(port, fifty, true)),
      ...Array.from({ length: 10 }, () => upload(port, fifty, false)),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const peakKb = statusKb(bot.pid, 'VmHWM');
    return {
      rssBeforeMb: rssBeforeKb / 1024,
      peakRssMb: peakKb / 1024,
      growthMb: Math.max(0, peakKb - rssBeforeKb) / 1024,
      statuses: [...new Set(results.map((result) => result.status))],
    };
  } finally {
    bot.child.kill('SIGKILL');
    await bot.exited;
    await Promise.all([auth0.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchHostile(): Promise<HostileResult> {
  const huge = 'A'.repeat(5_000_000);
  const rawText = `{"log_id":"90020240501120000000000000000000000000000000000000000001","date":"2024-05-01T12:00:00.000Z","type":"pwd_leak","user_name":"${huge}","details":${deepJson(10_000)}}`;
  const raw: unknown = JSON.parse(rawText);
  const normalize = timed(() => normalizeLogEvent(raw));

  const catalog = loadCatalog();
  const rules = compileRules([RuleSchema.parse({ id: 'bait', severity: 'high', match: { codes: ['pwd_leak'], where: { user_name: { regex: '^(a+)+$' } } } })], catalog);
  const events: LogEvent[] = Array.from({ length: 200 }, (_, i) => {
    const parsed = normalizeLogEvent({ log_id: `900${String(i).padStart(53, '0')}`, date: '2024-05-01T12:00:00.000Z', type: 'pwd_leak', user_name: `${'a'.repeat(5_000)}!` });
    return (parsed as { event: LogEvent }).event;
  });
  const regex = timed(() => evaluate(rules, initialState(), events), 3);

  const alert = makeAlert({ title: huge, ruleDescription: huge, group: { user_name: huge } });
  alert.event = { ...alert.event, user_name: huge, description: huge, ip: huge, client_name: huge, connection: huge };
  const format = timed(() => formatAlert(alert, { catalog, defaultChannel: '#a' }));
  const escape = timed(() => escapeMrkdwn('a'.repeat(5_000_000)));

  return {
    normalizeMs: normalize.ms,
    backtrackingRegexUs: (regex.ms * 1000) / events.length,
    formatMs: format.ms,
    escapeMs: escape.ms,
    http: await httpMemory(),
  };
}

