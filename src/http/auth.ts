import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time equality of two strings of any lengths (their SHA-256 digests are compared). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Whether an `Authorization` header carries `token`: as `Bearer <token>` or
 * verbatim (Auth0 sends a log stream's Authorization Token exactly as typed,
 * with or without a scheme). Both forms are compared, always, in constant
 * time, so the answer's timing tells nothing about the token.
 */
export function authorizationMatches(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  const bearer = /^bearer\s+/i.exec(header);
  const bare = bearer ? header.slice(bearer[0].length) : header;
  const verbatim = sameSecret(header, token);
  const asBearer = sameSecret(bare, token);
  return verbatim || asBearer;
}
