/** Where a tenant without a stored checkpoint starts reading. */
export type StartFrom =
  | { kind: 'now' }
  | { kind: 'ago'; ms: number }
  | { kind: 'date'; at: Date };

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `now`, a duration (`90s`, `30m`, `24h`, `7d`, `1h30m`) or an ISO date. Never throws. */
export function parseStartFrom(raw: string): StartFrom | { problem: string } {
  const value = raw.trim();
  if (value.toLowerCase() === 'now') return { kind: 'now' };
  if (/^(\d+[smhdw])+$/i.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.toLowerCase().matchAll(/(\d+)([smhdw])/g)) {
      ms += Number(amount) * UNIT_MS[unit!]!;
    }
    if (ms <= 0) return { problem: `START_FROM "${value}" must be a positive duration` };
    return { kind: 'ago', ms };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return { kind: 'date', at: new Date(at) };
  }
  return {
    problem: `START_FROM "${value}" is not "now", a duration (e.g. 24h, 30m, 7d) or an ISO date (e.g. 2024-05-01T00:00:00Z)`,
  };
}

/** The instant a START_FROM means, or undefined for `now` (resolved from the newest log). */
export function startInstant(startFrom: StartFrom, nowMs: number): Date | undefined {
  switch (startFrom.kind) {
    case 'now':
      return undefined;
    case 'ago':
      return new Date(nowMs - startFrom.ms);
    case 'date':
      return startFrom.at;
  }
}
