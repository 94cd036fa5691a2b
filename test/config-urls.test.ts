import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { isLoopbackHost, parseAuth0Domain } from '../src/config/domain.js';
import { ConfigError } from '../src/errors.js';
import { tempDir } from './helpers/temp-db.js';

/** Issue 11, point 7: credentials never travel over plain http, except to this machine. */
const BASE = { AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'client-secret-value' };
const noEnvFile = { envFile: false } as const;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, noEnvFile);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe('https only, http for loopback hosts', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['[::1]', true],
    ['10.0.0.1', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.example', false],
    ['acme.eu.auth0.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each(['http://acme.eu.auth0.com', 'http://10.0.0.5:8080', 'HTTP://login.example.com'])('AUTH0_DOMAIN %s is refused', (domain) => {
    expect(problemsOf({ ...BASE, AUTH0_DOMAIN: domain })).toEqual([expect.stringMatching(/^AUTH0_DOMAIN ".*" uses plain http.*use https:\/\//)]);
  });

  it.each(['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010', 'https://login.example.com', 'acme.eu.auth0.com'])(
    'AUTH0_DOMAIN %s is accepted',
    (domain) => {
      expect(problemsOf({ ...BASE, AUTH0_DOMAIN: domain })).toEqual([]);
    },
  );

  it('SLACK_API_URL: https, or http to a loopback host only', () => {
    const env = { ...BASE, AUTH0_DOMAIN: 'acme.eu.auth0.com' };
    expect(problemsOf({ ...env, SLACK_API_URL: 'http://slack.example/api/' })).toEqual([expect.stringMatching(/^SLACK_API_URL ".*" uses plain http/)]);
    expect(problemsOf({ ...env, SLACK_API_URL: 'http://127.0.0.1:4020/api/' })).toEqual([]);
    expect(problemsOf({ ...env, SLACK_API_URL: 'https://slack.com/api/' })).toEqual([]);
  });

  it('TENANTS_FILE domains follow the same rule', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const file = join(temp.dir, 'tenants.yml');
    writeFileSync(
      file,
      ['tenants:', '  - { name: a, domain: "http://a.example.com", client_id: x, client_secret: sssssss1 }', '  - { name: b, domain: "http://127.0.0.1:4010", client_id: y, client_secret: sssssss2 }'].join('\n'),
    );
    expect(problemsOf({ TENANTS_FILE: file })).toEqual([expect.stringMatching(/tenants\[0\]\.domain: domain "http:\/\/a\.example\.com" uses plain http/)]);
    expect(parseAuth0Domain('http://127.0.0.1:4010')).toEqual({ baseUrl: 'http://127.0.0.1:4010', host: '127.0.0.1:4010' });
  });
});
