import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseLogEvent, type LogEvent } from '../auth0/log-event.js';
import { loadCatalog, type Catalog } from '../catalog/index.js';
import { compileRules, evaluate, initialState, loadRuleLayers, type Alert, type RuleSources } from '../engine/index.js';
import { addRulesOption, ruleSources, type RulesFlag } from './rule-sources.js';
import { UsageError } from '../errors.js';
import { formatPreview } from '../slack/format-repeat.js';

interface ReplayFlags extends RulesFlag {
  json?: boolean;
}

export function registerReplay(program: Command): void {
  addRulesOption(
    program
      .command('replay')
      .description('Run a file of Auth0 log events (JSON array or NDJSON) through the rules and print the alerts')
      .argument('<file>', 'a JSON array or NDJSON file of log events, or - for stdin'),
  )
    .option('--json', 'one chat.postMessage body per alert per line (stdout is JSON only)')
    .addHelpText(
      'after',
      '\nExamples:\n  auth0-log-alerts replay logs.json\n  cat logs.ndjson | auth0-log-alerts replay - --json\n\nExit codes: 0 done (with or without alerts), 1 invalid rules, 2 unreadable input.',
    )
    .action(async (file: string, flags: ReplayFlags) => {
      const text = await readInput(file);
      process.exitCode = runReplay(loadCatalog(), text, {
        sources: ruleSources(flags),
        json: flags.json === true,
        defaultChannel: process.env.ALERT_CHANNEL ?? '#security-alerts',
      });
    });
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * A JSON array, a single JSON object, or NDJSON. Malformed events are reported
 * (by index for arrays, by line for NDJSON) and skipped; they never stop the run.
 * Input in which not one line is JSON (a truncated array, a CSV) is a UsageError:
 * "0 events, 0 alerts" would read as "all quiet".
 */
export function parseEventStream(text: string): { events: LogEvent[]; warnings: string[] } {
  const events: LogEvent[] = [];
  const warnings: string[] = [];
  const take = (raw: unknown, where: string): void => {
    const parsed = parseLogEvent(raw);
    if (parsed.ok) events.push(parsed.event);
    else warnings.push(`skipped ${where}: ${parsed.problem}`);
  };
  const trimmed = text.trim();
  if (trimmed === '') return { events, warnings };
  let arrayProblem: string | undefined;
  if (trimmed.startsWith('[')) {
    try {
      const whole: unknown = JSON.parse(trimmed);
      if (Array.isArray(whole)) {
        whole.forEach((raw, index) => take(raw, `event #${index}`));
        return { events, warnings };
      }
    } catch (error) {
      arrayProblem = `not a valid JSON array (${(error as Error).message})`;
      warnings.push(`input is ${arrayProblem}; reading it as NDJSON`);
    }
  }
  let jsonLines = 0;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      warnings.push(`skipped line ${index + 1}: not valid JSON`);
      return;
    }
    jsonLines += 1;
    take(raw, `event on line ${index + 1}`);
  });
  if (jsonLines === 0) {
    throw new UsageError(`the input is neither a JSON array nor NDJSON: ${arrayProblem ?? 'no line is valid JSON'}`);
  }
  return { events, warnings };
}

export interface ReplayOptions {
  sources: RuleSources;
  json: boolean;
  defaultChannel: string;
}

/** Evaluates the events from a fresh state and prints the alerts; returns the exit code. */
export function runReplay(catalog: Catalog, text: string, options: ReplayOptions): number {
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const loaded = loadRuleLayers(options.sources, catalog);
  if (loaded.problems.length > 0) {
    for (const problem of loaded.problems) err(`error ${problem.message}`);
    err('replay: the rules are invalid (see rules check)');
    return 1;
  }
  const { events, warnings } = parseEventStream(text);
  for (const warning of warnings) err(`replay: ${warning}`);
  const { alerts } = evaluate(compileRules(loaded.rules, catalog), initialState(), events);
  for (const alert of alerts) {
    if (options.json) {
      process.stdout.write(`${JSON.stringify(formatPreview(alert, { catalog, defaultChannel: options.defaultChannel }))}\n`);
    } else {
      process.stdout.write(`${describeAlert(alert, options.defaultChannel)}\n`);
    }
  }
  const repeats = alerts.filter((alert) => alert.kind === 'repeat').length;
  err(`replay: ${events.length} event(s), ${alerts.length - repeats} alert(s), ${repeats} repeat(s)`);
  return 0;
}

/** One or two readable lines per alert (terminal output; values are printed as they are). */
export function describeAlert(alert: Alert, defaultChannel: string): string {
  const span = alert.firstDate === alert.lastDate ? alert.lastDate : `${alert.firstDate} → ${alert.lastDate}`;
  const channel = alert.channel ?? defaultChannel;
  if (alert.kind === 'repeat') {
    return `  ↳ repeat ${alert.ruleId}: ${alert.count} more event(s), ${alert.incidentCount} in the incident so far (${span}) ${alert.incident}`;
  }
  const suppressed = alert.suppressed > 0 ? `, ${alert.suppressed} suppressed before` : '';
  const top = alert.top?.ips.length ? `; top IPs ${alert.top.ips.map((ip) => `${ip.value}×${ip.count}`).join(', ')}` : '';
  return (
    `[${alert.severity.toUpperCase()}] ${alert.title}  → ${channel}\n` +
    `    ${alert.ruleId} · ${alert.reason} · ${alert.count} event(s)${suppressed} · ${span} · ${alert.event.type}${top} · ${alert.incident}`
  );
}
