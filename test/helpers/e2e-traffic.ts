import { seededRandom } from '../e2e/standins/http.js';
import { STRIP_LOG_ID } from '../e2e/standins/auth0.js';

/**
 * Realistic Auth0 log traffic for the e2e scenarios and the bench, shaped like
 * the public samples (GET /api/v2/logs). Deterministic for a given seed.
 * Events carry no log_id: the Auth0 stand-in assigns one from the date.
 */
export type GeneratedEvent = Record<string, unknown> & { type: string; date: string };

export interface TrafficOptions {
  /** PRNG seed; default 1. */
  seed?: number;
  /** Event time of the first event; default 2024-05-01T12:00:00Z. */
  startMs?: number;
  /** Mean gap between events, event time; default 200 ms. */
  gapMs?: number;
}

/** A string that must render inert in Slack: no mention, no link, no formatting. */
export const HOSTILE_USER_NAME = '<!channel> *x* <https://evil.example|click>';
/** Fragments that must never appear in anything the bot posts. */
export const HOSTILE_MARKERS = ['<!channel>', '<!here>', '<!everyone>', '<https://evil', '<@U0VICTIM>', '<#C0SECRET>'];

const CLIENTS = [
  { client_id: 'zxPFD7BlvbiwfAzvi6WZNxDwhwFjyiV5', client_name: 'SSO Manager (React)' },
  { client_id: 'aBcD1234efGH5678ijKL9012mnOP3456', client_name: 'Storefront' },
];
const CONNECTION = { connection: 'Username-Password-Authentication', connection_id: 'con_8zwbqZgUEdwZtyWc' };
const AGENTS = ['Chrome 114.0.0 / Windows 10.0.0', 'Safari 17.1 / Mac OS X 14.1', 'Firefox 121.0 / Ubuntu'];

export class TrafficGenerator {
  private readonly random: () => number;
  private clock: number;
  private readonly gapMs: number;
  private serial = 0;

  constructor(options: TrafficOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
    this.clock = options.startMs ?? Date.parse('2024-05-01T12:00:00Z');
    this.gapMs = options.gapMs ?? 200;
  }

  /** Event time of the next event, advancing the clock by a jittered gap. */
  private nextDate(): string {
    this.clock += Math.max(1, Math.round(this.gapMs * (0.5 + this.random())));
    return new Date(this.clock).toISOString();
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** An IPv4 from the benchmarking range 198.18.0.0/15, unique per `n` (up to 62,500). */
  private ip(n: number): string {
    return `198.18.${Math.floor(n / 250) % 250}.${n % 250}`;
  }

  private base(type: string, user: number, ip: string): GeneratedEvent {
    const client = this.pick(CLIENTS);
    return {
      date: this.nextDate(),
      type,
      description: '',
      ...CONNECTION,
      ...client,
      ip,
      user_agent: this.pick(AGENTS),
      hostname: 'e2e-tenant.eu.auth0.com',
      user_id: `auth0|${String(user).padStart(24, '0')}`,
      user_name: `user${user}@example.com`,
      strategy: 'auth0',
      strategy_type: 'database',
      isMobile: false,
      location_info: { country_code: 'NL', country_name: 'Netherlands', city_name: 'Amsterdam' },
      details: { session_id: `sess${this.serial++}` },
    };
  }

  /** A successful login (`s`) from a user's usual address. */
  login(): GeneratedEvent {
    const user = Math.floor(this.random() * 500);
    return { ...this.base('s', user, `10.0.${user % 250}.${user % 7}`), description: 'Successful login' };
  }

  /**
   * A failed login (`f`/`fp`) from a scattered address: at most a few per IP,
   * far below any brute-force threshold.
   */
  failedLogin(): GeneratedEvent {
    const user = Math.floor(this.random() * 500);
    const ip = `192.0.2.${Math.floor(this.random() * 250)}`;
    return { ...this.base(this.pick(['f', 'fp']), user, ip), description: 'Wrong email or password.' };
  }

  /** A breached-password login (`pwd_leak`) with its own user and IP. */
  breachedPassword(): GeneratedEvent {
    const n = 1000 + this.serial;
    const ip = this.ip(n);
    return {
      ...this.base('pwd_leak', n, ip),
      description: `Someone behind the IP address: ${ip} attempted to login with a leaked password.`,
    };
  }

  /** Normal traffic: mostly logins, some scattered failures, `breached` breached passwords spread through it. */
  steady(total: number, breached: number): GeneratedEvent[] {
    const events: GeneratedEvent[] = [];
    const every = breached > 0 ? Math.floor(total / breached) : Infinity;
    for (let i = 0; i < total; i++) {
      if (i % every === every - 1 && events.filter((e) => e.type === 'pwd_leak').length < breached) {
        events.push(this.breachedPassword());
      } else events.push(this.random() < 0.85 ? this.login() : this.failedLogin());
    }
    return events;
  }

  /**
   * Credential stuffing: `events` failed logins (`fp`/`f`) from `ips` addresses
   * across `users` distinct accounts, densely in time.
   */
  stuffing(options: { ips: string[]; users: number; events: number; gapMs?: number }): GeneratedEvent[] {
    const events: GeneratedEvent[] = [];
    for (let i = 0; i < options.events; i++) {
      this.clock += options.gapMs ?? 20;
      const user = Math.floor(this.random() * options.users);
      const event = this.base(this.pick(['fp', 'f']), 5000 + user, this.pick(options.ips));
      events.push({ ...event, description: 'Wrong email or password.', user_agent: 'python-requests/2.31' });
    }
    return events;
  }

  /**
   * Events the bot must skip with a warning: no type, unparsable date, a type
   * that is not a string, no log_id (the stand-in serves it without one), an
   * empty type. Only log_id, type and date decide usability (odd types of other
   * fields never do: see `hostile`).
   */
  malformed(): Array<Record<string, unknown>> {
    const date = () => this.nextDate();
    return [
      { date: date(), description: 'no type at all' },
      { date: 'yesterday-ish', type: 'pwd_leak', user_name: 'bad-date@example.com' },
      { date: date(), type: 42, user_name: 'numeric-type@example.com' },
      { date: date(), type: 'pwd_leak', user_name: 'no-log-id@example.com', [STRIP_LOG_ID]: true },
      { date: date(), type: '', user_name: 'empty-type@example.com' },
    ];
  }

  /** Breached-password events whose every string field is hostile mrkdwn, oversized or of an odd type. */
  hostile(): GeneratedEvent[] {
    const first = this.breachedPassword();
    const second = this.breachedPassword();
    const third = this.breachedPassword();
    return [
      // Odd display-field types: alerted like any other (the user name shows as its compact rendering).
      { ...third, user_name: { nested: 'object' }, ip: ['array'] },
      {
        ...first,
        user_name: HOSTILE_USER_NAME,
        user_id: 'auth0|<@U0VICTIM>',
        client_name: '<!here> app <#C0SECRET>',
        connection: '&lt;!channel&gt; `code` ~strike~ _it_',
        description: '<!everyone> please <https://evil.example/login|re-enter your password>',
        location_info: { country_code: '<!channel>', country_name: '<https://evil.example|NL>', city_name: '*bold*' },
      },
      {
        ...second,
        user_name: `${'A'.repeat(5000)}@example.com`,
        description: 'x'.repeat(20_000),
        client_name: '\u202Eevil\u0000null\uFFFF',
        user_agent: '<script>alert(1)</script>',
      },
    ];
  }
}
