import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startAuth0StandIn, makeLogId, type Auth0StandIn, type Auth0StandInOptions } from '../e2e/standins/auth0.js';
import { startSlackStandIn, type PostedMessage, type SlackStandIn, type SlackStandInOptions } from '../e2e/standins/slack.js';

/** The repository root (this file is test/helpers/e2e-harness.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** The bot under test; E2E_CLI points the scenarios at another build (e.g. an installed package's cli.js). */
export const CLI = process.env.E2E_CLI ?? join(REPO_ROOT, 'dist', 'cli.js');
export const E2E_RULES = join(REPO_ROOT, 'test', 'e2e', 'rules');
export const ALERT_CHANNEL = '#security-alerts';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than src/. Test files run in parallel
 * workers, so a lock directory makes one build and the others wait for it.
 * A build with type errors elsewhere still emits; what counts is dist/cli.js.
 * E2E_NO_BUILD=1 uses dist/ as it is (e.g. while others edit src/ mid-run).
 */
export async function ensureBuilt(): Promise<void> {
  if (process.env.E2E_NO_BUILD && existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) return;
  const built = join(REPO_ROOT, 'dist', 'cli.js');
  const fresh = () => existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'));
  if (fresh() && !process.env.E2E_REBUILD) return;
  const lock = join(tmpdir(), `auth0-log-alerts-e2e-build-${Buffer.from(REPO_ROOT).toString('hex').slice(-24)}`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for 3 minutes; remove it if stale`);
      await new Promise((r) => setTimeout(r, 250));
      if (fresh()) return;
    }
  }
  try {
    if (!fresh() || process.env.E2E_REBUILD) {
      const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
      if (!existsSync(built)) throw new Error(`npm run build produced no dist/cli.js:\n${build.stdout}${build.stderr}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Polls `condition` until true or the deadline; the error says what was awaited and shows `diagnostics`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; diagnostics?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${what}\n${options.diagnostics?.() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

export interface BotProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

export function startBot(args: string[], env: Record<string, string>, cwd: string): BotProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    // Bounded: only the tail matters for diagnostics.
    if (output.length > 400_000) output = output.slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  return { child, pid: child.pid!, output: () => output, exited, isRunning: () => running };
}

export interface OutboxState {
  checkpoint: string | null;
  pending: number;
  failed: number;
  sent: number;
}

/** Reads the bot's state database (read-only, WAL lets us look while it writes). */
export function readState(dbPath: string): OutboxState | undefined {
  if (!existsSync(dbPath)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 2000 });
    const tenant = db.prepare('SELECT checkpoint FROM tenant_state LIMIT 1').get() as { checkpoint: string | null } | undefined;
    const counts = db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: string; n: number }>;
    const n = (status: string) => counts.find((row) => row.status === status)?.n ?? 0;
    return { checkpoint: tenant?.checkpoint ?? null, pending: n('pending'), failed: n('failed'), sent: n('sent') };
  } catch {
    return undefined; // not migrated yet, or locked for a moment
  } finally {
    db?.close();
  }
}

/** How many posted messages report each log id (metadata.event_payload.log_ids). */
export function reportedLogIds(messages: readonly PostedMessage[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const message of messages) {
    const ids = message.metadata?.event_payload.log_ids;
    if (!Array.isArray(ids)) continue;
    for (const id of ids) seen.set(String(id), (seen.get(String(id)) ?? 0) + 1);
  }
  return seen;
}

/** Sum of metadata.event_payload.count over the posted messages of one rule. */
export function countedEvents(messages: readonly PostedMessage[], ruleId: string): number {
  return messages
    .filter((m) => m.metadata?.event_payload.rule_id === ruleId)
    .reduce((sum, m) => sum + Number(m.metadata?.event_payload.count ?? 0), 0);
}

export interface World {
  auth0: Auth0StandIn;
  slack: SlackStandIn;
  dir: string;
  stateDb: string;
  env: Record<string, string>;
  bots: BotProcess[];
  start(args?: string[], extraEnv?: Record<string, string>): BotProcess;
  state(): OutboxState | undefined;
  /** Output of every bot started, for failure messages. */
  diagnostics(): string;
  close(): Promise<void>;
}

export interface WorldOptions {
  auth0?: Auth0StandInOptions;
  slack?: SlackStandInOptions;
  rulesDir?: string;
  /** Default: an hour before the traffic generator's default start. */
  startFrom?: string;
}

/** Both stand-ins, a temp dir with the state database, and the env that points the bot at them. */
export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const auth0 = await startAuth0StandIn(options.auth0);
  const slack = await startSlackStandIn(options.slack);
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-e2e-'));
  const stateDb = join(dir, 'state.db');
  const env: Record<string, string> = {
    AUTH0_DOMAIN: auth0.url,
    AUTH0_CLIENT_ID: auth0.clientId,
    AUTH0_CLIENT_SECRET: auth0.clientSecret,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    ALERT_CHANNEL,
    STATE_DB: stateDb,
    RULES_DIR: options.rulesDir ?? E2E_RULES,
    POLL_SCHEDULE: '*/1 * * * * *',
    START_FROM: options.startFrom ?? '2024-05-01T11:00:00Z',
    LOG_LEVEL: 'info',
  };
  const bots: BotProcess[] = [];
  return {
    auth0,
    slack,
    dir,
    stateDb,
    env,
    bots,
    start(args = ['run'], extraEnv = {}) {
      const bot = startBot(args, { ...env, ...extraEnv }, dir);
      bots.push(bot);
      return bot;
    },
    state: () => readState(stateDb),
    diagnostics() {
      const tail = (text: string) => text.split('\n').slice(-40).join('\n');
      const bots_ = bots.map((bot, i) => `--- bot #${i} (pid ${bot.pid}) output, tail:\n${tail(bot.output())}`).join('\n');
      return `state: ${JSON.stringify(readState(stateDb))}; slack messages: ${slack.messages.length}, rejections: ${JSON.stringify(slack.rejections.slice(-5))}\n${bots_}`;
    },
    async close() {
      for (const bot of bots) {
        if (bot.isRunning()) bot.child.kill('SIGKILL');
      }
      await Promise.all(bots.map((bot) => bot.exited));
      await Promise.all([auth0.close(), slack.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The checkpoint a START_FROM date stands for, to compare with stored checkpoints. */
export const checkpointAt = (iso: string): string => makeLogId(Date.parse(iso), 0);
