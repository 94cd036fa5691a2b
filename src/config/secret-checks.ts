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
 * decoded (a driver's error may echo either), for registering as a secret.
 */
export function databaseUrlPasswords(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return [];
  const written = new URL(url).password;
  if (!written) return [];
  try {
    const decoded = decodeURIComponent(written);
    return decoded === written ? [written] : [written, decoded];
  } catch {
    return [written];
  }
}
