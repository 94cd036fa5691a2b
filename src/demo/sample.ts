/**
 * A bundled, realistic slice of a tenant's logs (Auth0 Management API shape):
 * ordinary traffic around a breached-password login, a brute-force burst from
 * one IP that ends in an account lockout and an IP block, and a security
 * setting change. Addresses are documentation ranges (RFC 5737); users are fictional.
 */
import type { LogEvent } from '../auth0/log-event.js';

const HOST = 'acme-demo.eu.auth0.com';
const WEB_APP = { client_id: 'kR9vD2mXq7LwE4pT8sZ1yN6bH3cJ5fGa', client_name: 'Acme Web' };
const DB = { connection: 'Username-Password-Authentication', connection_id: 'con_Xy7bQw2ErT9uIo3P' };
const BERLIN = { country_code: 'DE', country_name: 'Germany', city_name: 'Berlin', latitude: 52.52, longitude: 13.4, time_zone: 'Europe/Berlin' };
const ATTACKER = { country_code: 'NL', country_name: 'Netherlands', city_name: 'Amsterdam', latitude: 52.37, longitude: 4.89, time_zone: 'Europe/Amsterdam' };

const START = Date.parse('2024-05-14T09:00:00.000Z');
let sequence = 0;

/** Auth0 log ids start with 900 + UTC time; the tail keeps them unique and ordered. */
function logId(time: number): string {
  sequence += 1;
  const stamp = new Date(time).toISOString().replace(/\D/g, '').slice(0, 14);
  return `900${stamp}${String(sequence).padStart(6, '0')}000000000000000000000000000000${String(sequence).padStart(6, '0')}`;
}

function event(offsetSeconds: number, fields: Partial<LogEvent> & { type: string }): LogEvent {
  const time = START + offsetSeconds * 1000;
  const id = logId(time);
  return { date: new Date(time).toISOString(), hostname: HOST, log_id: id, _id: id, isMobile: false, ...fields } as LogEvent;
}

function login(offset: number, user: string, ip: string, extra: Partial<LogEvent> = {}): LogEvent {
  return event(offset, {
    type: 's',
    description: 'Successful login',
    ...WEB_APP,
    ...DB,
    ip,
    user_agent: 'Chrome 124.0.0 / Mac OS X 10.15.7',
    user_id: `auth0|${user.split('@')[0]}`,
    user_name: user,
    location_info: BERLIN,
    ...extra,
  });
}

function buildSample(): LogEvent[] {
  const events: LogEvent[] = [
    login(0, 'maria.schmidt@acme.example', '192.0.2.10'),
    login(30, 'jonas.weber@acme.example', '192.0.2.11'),
    event(45, { type: 'seacft', description: '', ...WEB_APP, ip: '192.0.2.10', user_id: 'auth0|maria.schmidt', user_name: 'maria.schmidt@acme.example' }),
    // A login with a password from a public breach.
    event(60, {
      type: 'pwd_leak',
      description: 'Blocked password: The password of this user has been found in a public data breach.',
      ...WEB_APP,
      ...DB,
      ip: '198.51.100.23',
      user_agent: 'Firefox 125.0 / Windows 10.0.0',
      user_id: 'auth0|peter.kraus',
      user_name: 'peter.kraus@acme.example',
      location_info: BERLIN,
    }),
    event(90, { type: 'slo', description: 'User successfully logged out', ...WEB_APP, ip: '192.0.2.11', user_id: 'auth0|jonas.weber', user_name: 'jonas.weber@acme.example' }),
  ];

  // Brute force: 30 wrong passwords in 2.5 minutes from one IP against a few accounts — fewer than
  // ten per account (f, fp and fu alike), so the per-account rules (account-brute-force,
  // password-guessed when anna logs in later) stay quiet and the demo shows the first release's alerts.
  const targets = ['anna.becker@acme.example', 'maria.schmidt@acme.example', 'admin@acme.example', 'billing@acme.example'];
  for (let i = 0; i < 30; i++) {
    events.push(
      event(120 + i * 5, {
        type: i % 4 === 3 ? 'fu' : 'fp',
        description: i % 4 === 3 ? 'Wrong email or password.' : 'Wrong email or password.',
        ...WEB_APP,
        ...DB,
        ip: '203.0.113.66',
        user_agent: 'python-requests/2.31.0',
        user_name: targets[i % targets.length],
        user_id: i % 4 === 3 ? '' : `auth0|${targets[i % targets.length]!.split('@')[0]}`,
        location_info: ATTACKER,
      }),
    );
  }
  events.push(
    // The burst locks one account …
    event(200, {
      type: 'limit_wc',
      description: 'An IP address is blocked because it reached the maximum failed login attempts into a single account.',
      ...WEB_APP,
      ...DB,
      ip: '203.0.113.66',
      user_name: 'admin@acme.example',
      user_id: 'auth0|admin',
      location_info: ATTACKER,
    }),
    // … and anomaly detection blocks the IP.
    event(215, {
      type: 'limit_mu',
      description: 'An IP address is blocked because it attempted too many failed logins without a successful login.',
      ...WEB_APP,
      ip: '203.0.113.66',
      user_agent: 'python-requests/2.31.0',
      location_info: ATTACKER,
    }),
    login(300, 'anna.becker@acme.example', '192.0.2.12'),
    event(420, {
      type: 'sapi',
      description: 'Update Brute-force settings',
      client_id: 'mgmt_api_client_0001',
      client_name: '',
      ip: '192.0.2.50',
      user_agent: 'Chrome 124.0.0 / Mac OS X 10.15.7',
      details: { request: { method: 'patch', path: '/api/v2/attack-protection/brute-force-protection', auth: { user: { email: 'secops@acme.example' } } }, response: { statusCode: 200 } },
    }),
    login(480, 'jonas.weber@acme.example', '192.0.2.11'),
  );
  return events;
}

/** A fresh copy each time (events are plain data; callers may mutate). */
export function demoEvents(): LogEvent[] {
  sequence = 0;
  return buildSample();
}

export const DEMO_TENANT = { key: 'acme-demo', dashboard: { region: 'eu', tenant: 'acme-demo' } } as const;
