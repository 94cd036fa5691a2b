import { MIN_SECRET_LENGTH, registerSecrets } from '../secrets.js';
import type { Env } from './env-schema.js';

/**
 * Bearer tokens the bot checks on its own HTTP endpoints. A wrong one gets a
 * 401 with no rate limit, so a short token can be guessed by trying (and one
 * under 8 characters is scrubbed from logs only where it stands alone: see secrets.ts).
 */
const GUESSABLE_TOKENS = ['LOG_STREAM_TOKEN', 'METRICS_TOKEN'] as const;
export const MIN_TOKEN_LENGTH = 16;

/** One warning per short token, naming the variable and its length, never its value. A warning, not an error: short tokens still work. */
export function shortTokenWarnings(source: Pick<Env, (typeof GUESSABLE_TOKENS)[number]>): string[] {
  return GUESSABLE_TOKENS.flatMap((name) => {
    const token = source[name];
    if (!token || token.length >= MIN_TOKEN_LENGTH) return [];
    return [shortTokenWarning(name, token.length)];
  });
}

/** The start-up warning for a token under MIN_TOKEN_LENGTH; `what` names it (a variable, a tenant's token and where it is set). */
export function shortTokenWarning(what: string, length: number): string {
  return `${what} is ${characters(length)}: use at least ${MIN_TOKEN_LENGTH} random characters (openssl rand -hex 32) — a short token can be guessed`;
}

/** The start-up warning for a secret under MIN_SECRET_LENGTH (the tokens above have their own, stricter one). */
export function shortSecretWarning(what: string, length: number): string {
  return (
    `${what} is ${characters(length)}: use at least ${MIN_SECRET_LENGTH} random characters — a short secret can be guessed, ` +
    'and one this short is scrubbed from logs and error messages only where it stands alone (not inside a longer word)'
  );
}

function characters(length: number): string {
  return `${length} character${length === 1 ? '' : 's'}`;
}

/**
 * The secrets of the environment shorter than MIN_SECRET_LENGTH that no
 * token warning covers, one warning each, by name and length, never the value.
 */
export function shortSecretWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const warnings: string[] = [];
  for (const name of ['AUTH0_CLIENT_SECRET', 'SLACK_SIGNING_SECRET'] as const) {
    const value = env[name]?.trim();
    if (value && value.length < MIN_SECRET_LENGTH) warnings.push(shortSecretWarning(name, value.length));
  }
  // The password the server sees: decoded (the last one listed).
  const password = databaseUrlPasswords(env.DATABASE_URL?.trim()).at(-1);
  if (password && password.length < MIN_SECRET_LENGTH) warnings.push(shortSecretWarning('the password in DATABASE_URL', password.length));
  return warnings;
}

/**
 * The password of `postgres://user:PASSWORD@host/db`, as written in the URL and
 * decoded (a driver's error may echo either), for registering as a secret. A
 * `?password=` query parameter counts too: node-postgres takes it over the
 * URL's own (pg-connection-string).
 */
export function databaseUrlPasswords(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return [];
  const parsed = new URL(url);
  const passwords: string[] = [];
  for (const written of [parsed.password, parsed.searchParams.get('password') ?? '']) {
    if (!written) continue;
    passwords.push(written);
    try {
      const decoded = decodeURIComponent(written);
      if (decoded !== written) passwords.push(decoded);
    } catch {
      // Not valid percent-encoding: the driver sees it as written.
    }
  }
  return passwords;
}

/** The variables holding a secret outright (the tenants file's are registered by loadConfig, their only reader). */
export const SECRET_ENV_NAMES = [
  'AUTH0_CLIENT_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'LOG_STREAM_TOKEN',
  'METRICS_TOKEN',
  // node-postgres takes the password from here when DATABASE_URL has none.
  'PGPASSWORD',
] as const;

/**
 * Registers every secret the environment holds, before a command does
 * anything with it: cli.ts calls this for every command (a hook on the
 * program, so a new command cannot forget), loadConfig again for the
 * environment it is given. `status` opens DATABASE_URL without loadConfig, and
 * a driver's error (wrapped in a StateError, scrubbed when made) must not
 * print the password.
 */
export function registerEnvSecrets(env: Readonly<Record<string, string | undefined>>): void {
  registerSecrets(
    ...SECRET_ENV_NAMES.map((name) => env[name]?.trim()),
    // From the raw value: a password in a URL the schema refuses is still a password.
    ...databaseUrlPasswords(env.DATABASE_URL?.trim()),
  );
}
