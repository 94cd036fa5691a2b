import { registerSecrets } from '../secrets.js';
import type { Env } from './env-schema.js';

/**
 * Bearer tokens the bot checks on its own HTTP endpoints. A wrong one gets a
 * 401 with no rate limit, so a short token can be guessed by trying (and one
 * under 8 characters is not even scrubbed from logs: see secrets.ts).
 */
const GUESSABLE_TOKENS = ['LOG_STREAM_TOKEN', 'METRICS_TOKEN'] as const;
export const MIN_TOKEN_LENGTH = 16;

/** One warning per short token, naming the variable and its length, never its value. A warning, not an error: short tokens still work. */
export function shortTokenWarnings(source: Pick<Env, (typeof GUESSABLE_TOKENS)[number]>): string[] {
  return GUESSABLE_TOKENS.flatMap((name) => {
    const token = source[name];
    if (!token || token.length >= MIN_TOKEN_LENGTH) return [];
    return [
      `${name} is ${token.length} character${token.length === 1 ? '' : 's'}: use at least ${MIN_TOKEN_LENGTH} random characters (openssl rand -hex 32) — a short token can be guessed`,
    ];
  });
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
