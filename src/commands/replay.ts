import { closeSync, openSync, readSync } from 'node:fs';
import type { Command } from 'commander';
import { readEventFile } from '../auth0/event-file.js';
import type { LogEvent } from '../auth0/log-event.js';
import { loadCatalog, type Catalog } from '../catalog/index.js';
import { renderPosted } from '../demo/render.js';
import {
  compileRules,
  evaluate,
  initialState,
  keepProfiles,
  loadRuleLayers,
  rulesForCode,
  type Alert,
  type Profile,
  type RuleSet,
  type RuleSources,
} from '../engine/index.js';
import { UsageError } from '../errors.js';
import { plainLine } from '../slack/escape.js';
import { formatPreviews } from '../slack/format-repeat.js';
import { addRulesOption, ruleSources, type RulesFlag } from './rule-sources.js';

interface ReplayFlags extends RulesFlag {
  json?: boolean;
  brief?: boolean;
}

export const REPLAY_DEFAULTS = {
  /**
   * Events per evaluate() call (ten Auth0 pages). Memory holds one batch at a
   * time, whatever the file's size, and a small batch dies young (garbage
   * collection stays cheap); the matches of one incident within a batch come
   * out as one thread reply, as the sender batches them in Slack.
   */
  batch: 1_000,
  /** Bytes per read of the input file. */
  readBytes: 1 << 16,
  /** Skipped events named one by one; past that only counted (a file of garbage is not a wall of warnings). */
  namedSkips: 20,
  /** Distinct codes counted for the summary (a hostile file may invent millions). */
  maxCodes: 1_000,
} as const;

export function registerReplay(program: Command): void {
  addRulesOption(
    program
      .command('replay')
      .description('Run a file of Auth0 log events (JSON array or NDJSON) through the rules and show the alerts as they would look in Slack')
      .argument('<file>', 'a JSON array or NDJSON file of log events, or - for stdin'),
  )
    .option('--json', 'one chat.postMessage body per alert per line (stdout is JSON only)')
    .option('--brief', 'one or two lines per alert instead of the rendered Slack message')
    .addHelpText(
      'after',
      '\nThe file is read as a stream (flat memory, any size); events are evaluated in log_id order\nwithin batches of 1,000. Malformed events are skipped with a warning naming them.\n\nExamples:\n  auth0-log-alerts replay logs.json\n  auth0-log-alerts replay week.ndjson --rules my-rules --brief\n  cat logs.ndjson | auth0-log-alerts replay - --json\n\nExit codes: 0 done (with or without alerts), 1 invalid rules, 2 usage error or unreadable input (no such file, not JSON, a JSON array cut short).',
    )
    .action(async (file: string, flags: ReplayFlags) => {
      if (flags.json && flags.brief) throw new UsageError('--json and --brief exclude each other');
      process.exitCode = await runReplay(loadCatalog(), inputOf(file), {
        sources: ruleSources(flags),
        output: flags.json ? 'json' : flags.brief ? 'brief' : 'slack',
        defaultChannel: process.env.ALERT_CHANNEL ?? '#security-alerts',
        color: process.stdout.isTTY === true,
      });
    });
}

/** The file (or stdin), its read errors as UsageErrors (exit 2). */
async function* inputOf(file: string): AsyncGenerator<Buffer | string> {
  if (file === '-') {
    yield* process.stdin;
    return;
  }
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    // Synchronous reads of a regular file: the replay has nothing else to do meanwhile, and an
    // asynchronous stream would leave the loop idle waiting on the thread pool for every chunk.
    // Chunks stay small (64 kB): larger strings are slower to split and parse (large-object space).
    for (;;) {
      const chunk = Buffer.allocUnsafe(REPLAY_DEFAULTS.readBytes);
      const length = readSync(fd, chunk, 0, chunk.length, null);
      if (length === 0) break;
      yield length === chunk.length ? chunk : chunk.subarray(0, length);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new UsageError(`cannot read '${file}' (${code})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface ReplayOptions {
  sources: RuleSources;
  /** `slack`: each message rendered as in Slack; `brief`: a line or two per alert; `json`: the chat.postMessage bodies. */
  output: 'slack' | 'brief' | 'json';
  defaultChannel: string;
  color?: boolean;
}

/** Streams the events through the rules from a fresh state and prints the alerts as they come; returns the exit code. */
export async function runReplay(catalog: Catalog, input: AsyncIterable<Buffer | string>, options: ReplayOptions): Promise<number> {
  const loaded = loadRuleLayers(options.sources, catalog);
  if (loaded.problems.length > 0) {
    for (const problem of loaded.problems) note(`error ${problem.message}`);
    note('replay: the rules are invalid (see rules check)');
    return 1;
  }
  const ruleSet = compileRules(loaded.rules, catalog);
  const printer = new AlertPrinter(catalog, options);
  const seen = new CodeTally();
  let state = initialState();
  // Profiles (impossible travel, first-seen values) carried from batch to batch, in memory (bounded).
  const profiles = new Map<string, Profile>();
  let batch: LogEvent[] = [];
  let events = 0;
  let skipped = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const result = evaluate(ruleSet, state, batch, profiles);
    state = result.state;
    keepProfiles(profiles, result.profiles);
    batch = [];
    await printer.print(result.alerts);
  };
  try {
    for await (const items of readEventFile(input)) {
      for (const item of items) {
        if ('skipped' in item) {
          skipped += 1;
          if (skipped <= REPLAY_DEFAULTS.namedSkips) note(`replay: skipped ${item.skipped}`);
          continue;
        }
        events += 1;
        seen.add(item.event.type);
        batch.push(item.event);
        if (batch.length >= REPLAY_DEFAULTS.batch) await flush();
      }
    }
  } finally {
    // A file cut short still shows what its readable part raised (and then exits 2).
    await flush();
  }
  if (skipped > REPLAY_DEFAULTS.namedSkips) note(`replay: ${skipped - REPLAY_DEFAULTS.namedSkips} more malformed event(s) skipped`);
  note(`replay: ${events} event(s), ${printer.alerts} alert(s), ${printer.repeats} repeat(s)${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  if (printer.alerts + printer.repeats === 0 && events > 0) note(`replay: ${seen.describe(ruleSet)}`);
  return 0;
}

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Which codes the file held, to say why nothing fired: nothing watched, or nothing met the conditions. */
class CodeTally {
  readonly counts = new Map<string, number>();
  others = 0;

  add(code: string): void {
    const count = this.counts.get(code);
    if (count !== undefined) this.counts.set(code, count + 1);
    else if (this.counts.size < REPLAY_DEFAULTS.maxCodes) this.counts.set(code, 1);
    else this.others += 1;
  }

  describe(ruleSet: RuleSet): string {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1]);
    const shown = sorted.slice(0, 10).map(([code, count]) => `${code} ×${count}`);
    const more = sorted.length > 10 ? ` and ${sorted.length - 10} more` : '';
    const watched = sorted.filter(([code]) => rulesForCode(ruleSet, code).length > 0).map(([code]) => code);
    const verdict =
      watched.length === 0
        ? 'none of them is watched by the enabled rules (see rules list)'
        : `watched: ${watched.slice(0, 10).join(', ')} — no rule's conditions or threshold were met`;
    return `codes seen: ${shown.join(', ')}${more}; ${verdict}`;
  }
}

/** Writes alerts as they come, waiting for a slow reader (stdout piped) so output never piles up in memory. */
class AlertPrinter {
  alerts = 0;
  repeats = 0;
  /** incident → number of its channel message, for "thread reply under message N" (bounded). */
  readonly #messages = new Map<string, number>();
  #channelMessages = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly options: ReplayOptions,
  ) {}

  async print(alerts: readonly Alert[]): Promise<void> {
    let text = '';
    for (const alert of alerts) {
      if (alert.kind === 'repeat') this.repeats += 1;
      else this.alerts += 1;
      text += this.format(alert);
    }
    if (text !== '' && !process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }

  private format(alert: Alert): string {
    const { defaultChannel } = this.options;
    if (this.options.output === 'brief') return `${describeAlert(alert, defaultChannel)}\n`;
    // An alert of more than 100 events is its message plus replies listing its other log ids.
    const [body, ...replies] = formatPreviews(alert, { catalog: this.catalog, defaultChannel });
    if (this.options.output === 'json') return [body, ...replies].map((each) => `${JSON.stringify(each)}\n`).join('');
    const color = { color: this.options.color === true };
    const parent = this.#messages.get(alert.incident);
    if (alert.kind === 'repeat' && parent !== undefined) {
      return `${renderPosted(body!, `thread reply under message ${parent}`, color, true)}\n`;
    }
    const number = ++this.#channelMessages;
    if (this.#messages.size >= 10_000) this.#messages.delete(this.#messages.keys().next().value!);
    this.#messages.set(alert.incident, number);
    const inThread = replies.map((reply) => `${renderPosted(reply, `thread reply under message ${number}`, color, true)}\n`).join('');
    return `${renderPosted(body!, `message ${number}`, color, false)}\n${inThread}`;
  }
}

/**
 * One or two readable lines per alert (terminal output). Values from events are shown on one line with
 * control characters as U+FFFD (plainLine): an escape sequence in a user name must not recolour, retitle
 * or hyperlink the operator's terminal, nor a line break forge a line.
 */
export function describeAlert(alert: Alert, defaultChannel: string): string {
  const span = alert.firstDate === alert.lastDate ? alert.lastDate : `${alert.firstDate} → ${alert.lastDate}`;
  // A dry run needs no ALERT_CHANNEL; an arrow to nothing would read as a channel named "".
  const channel = alert.channel ?? (defaultChannel || 'no channel (ALERT_CHANNEL is not set)');
  const incident = plainLine(alert.incident);
  if (alert.kind === 'repeat') {
    return `  ↳ repeat ${alert.ruleId}: ${alert.count} more event(s), ${alert.incidentCount} in the incident so far (${span}) ${incident}`;
  }
  const suppressed = alert.suppressed > 0 ? `, ${alert.suppressed} suppressed before` : '';
  const top = alert.top?.ips.length ? `; top IPs ${alert.top.ips.map((ip) => `${plainLine(ip.value)}×${ip.count}`).join(', ')}` : '';
  return (
    `[${alert.severity.toUpperCase()}] ${plainLine(alert.title)}  → ${channel}\n` +
    `    ${alert.ruleId} · ${alert.reason} · ${alert.count} event(s)${suppressed} · ${span} · ${plainLine(alert.event.type)}${top} · ${incident}`
  );
}
