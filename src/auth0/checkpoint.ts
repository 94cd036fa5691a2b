/**
 * Auth0 log ids start with "900" and the UTC time YYYYMMDDhhmmss, and sort in
 * the API's order. A synthetic id built from an instant sorts before every real
 * log of that second and after every earlier one, so `from=<synthetic>` pages
 * forward from that instant.
 */
export const LOG_ID_LENGTH = 56;

export function syntheticCheckpoint(at: Date): string {
  const iso = at.toISOString(); // 2024-05-01T12:34:56.789Z
  const stamp = iso.slice(0, 19).replace(/[-T:]/g, '');
  return `900${stamp}`.padEnd(LOG_ID_LENGTH, '0');
}

/** The instant a log id says it was written, when it follows the usual shape. */
export function logIdTime(logId: string): Date | undefined {
  const match = /^900(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(logId);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(at) ? undefined : new Date(at);
}
