import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

// The `.env` file, apart from the configuration schema: every command applies it at start-up
// (cli.ts), and this module imports nothing heavier than node:fs.

/** `cut`: receives the names whose value an unquoted `#` emptied (their "is missing" would say it twice). */
export function readEnvFile(path: string | false, problems: string[], cut?: Set<string>): Record<string, string> {
  if (!path || !existsSync(path)) return {};
  try {
    const text = readFileSync(path, 'utf8');
    problems.push(...unquotedHashProblems(path, text, cut));
    return definedOnly(parseEnv(text));
  } catch (error) {
    problems.push(`cannot read ${path}: ${(error as Error).message}`);
    return {};
  }
}

/**
 * `ALERT_CHANNEL=#security-alerts` in a .env file reads as empty: `#` starts a
 * comment there. Said plainly, rather than a puzzling "ALERT_CHANNEL is missing".
 */
function unquotedHashProblems(path: string, text: string, cut?: Set<string>): string[] {
  const problems: string[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*#/.exec(line);
    if (match) {
      cut?.add(match[1]!);
      problems.push(
        `${path}:${index + 1}: ${match[1]} starts with an unquoted # and is read as empty (# starts a comment); quote it, e.g. ${match[1]}="#security-alerts"`,
      );
    }
  }
  return problems;
}

/**
 * Lets every command (not only `run`) see the variables of `.env`, as the
 * contract promises; variables already set win. Returns the file's problems.
 */
export function applyEnvFile(env: NodeJS.ProcessEnv, path: string = resolve('.env')): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(readEnvFile(path, problems))) {
    if (env[key] === undefined) env[key] = value;
  }
  return problems;
}

/**
 * What cli.ts prints as warnings at start: the `.env` problems, except for
 * `run`, whose configuration check reports them itself (once, as errors).
 */
export function envFileWarnings(argv: readonly string[], env: NodeJS.ProcessEnv, path: string = resolve('.env')): string[] {
  const problems = applyEnvFile(env, path);
  return argv[0] === 'run' ? [] : problems;
}

export function definedOnly(env: NodeJS.Dict<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
