import type { LogEvent } from '../../src/auth0/log-event.js';
import { testLogId } from '../../src/engine/index.js';

/** Deterministic pseudo-random numbers (LCG) so generated traffic is the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface StuffingTraffic {
  events: LogEvent[];
  attackerIps: string[];
  /** Failed logins sent by the attackers. */
  attackEvents: number;
}

/**
 * A credential-stuffing burst: each attacker IP tries a different user every
 * couple of seconds for `minutes`, mixed with ordinary traffic (successful
 * logins, the odd mistyped password) from many other IPs.
 */
export function credentialStuffingBurst(options: { start: number; minutes: number; attackers: number; seed?: number }): StuffingTraffic {
  const random = seeded(options.seed ?? 42);
  const attackerIps = Array.from({ length: options.attackers }, (_, i) => `203.0.113.${10 + i}`);
  const raw: Array<{ time: number; fields: Record<string, unknown> }> = [];
  const end = options.start + options.minutes * 60_000;
  let attackEvents = 0;
  attackerIps.forEach((ip, a) => {
    for (let t = options.start + a * 700, n = 0; t < end; t += 1_000 + Math.floor(random() * 2_000), n++) {
      const type = random() < 0.5 ? 'fu' : 'fp';
      raw.push({ time: t, fields: { type, ip, user_name: `victim${a}-${n}@example.com`, description: 'Wrong email or password.' } });
      attackEvents += 1;
    }
  });
  for (let t = options.start; t < end; t += 200 + Math.floor(random() * 400)) {
    const person = Math.floor(random() * 500);
    const ip = `198.51.${Math.floor(person / 200)}.${person % 200}`;
    const failed = random() < 0.05;
    raw.push({
      time: t,
      fields: { type: failed ? 'fp' : 's', ip, user_id: `auth0|p${person}`, user_name: `person${person}@example.com`, description: failed ? 'Wrong email or password.' : '' },
    });
  }
  raw.sort((x, y) => x.time - y.time);
  const events = raw.map(({ time, fields }, i) => ({
    connection: 'Username-Password-Authentication',
    client_name: 'Default App',
    ...fields,
    date: new Date(time).toISOString(),
    log_id: testLogId(time, i + 1),
  })) as LogEvent[];
  return { events, attackerIps, attackEvents };
}
