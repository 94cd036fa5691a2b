import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../src/config/index.js';

/**
 * The environment variables of the external contract (../shared/CONTRACT.md,
 * "Environment"), written out here because a clone of the project alone has no
 * ../shared. Other tools and people rely on these names: extend, never rename.
 */
const CONTRACT_ENV = [
  'AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET', 'AUTH0_AUDIENCE',
  'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_API_URL',
  'ALERT_CHANNEL', 'POLL_SCHEDULE', 'STATE_DB', 'RULES_DIR', 'START_FROM', 'PORT', 'HEALTH_PORT', 'LOG_LEVEL',
  // added as the features landed, names fixed
  'LOG_STREAM_TOKEN', 'METRICS_TOKEN', 'SLACK_RESPONDERS', 'DATABASE_URL',
] as const;

/** The defaults CONTRACT.md states. */
const CONTRACT_DEFAULTS: Record<string, string> = {
  SLACK_API_URL: 'https://slack.com/api/',
  STATE_DB: './data/state.db',
  RULES_DIR: './rules',
  PORT: '3000',
};

const readme = readFileSync('README.md', 'utf8');
const envExample = readFileSync('.env.example', 'utf8');

/** The README's configuration table row of a variable (`| \`NAME\` | default | meaning |`). */
function readmeRow(name: string): string | undefined {
  return readme.split('\n').find((line) => line.startsWith('| ') && line.split('|')[1]!.includes(`\`${name}\``));
}

describe('the contract’s environment variables', () => {
  it.each(CONTRACT_ENV)('%s is read by the configuration, documented in the README table and offered in .env.example', (name) => {
    expect(ENV_NAMES).toContain(name);
    expect(readmeRow(name), `README configuration table has no row for ${name}`).toBeDefined();
    // Set or commented out (`# NAME=`): a user copying .env.example learns the name exists.
    expect(envExample, `.env.example does not mention ${name}`).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });

  // Beyond the contract: every variable the configuration reads (the env schema), so that a user who copies
  // .env.example or reads the table learns each one exists — the NOTICE_* thresholds and replica settings too.
  it.each(ENV_NAMES)('%s, read by the configuration, has a README table row and a line in .env.example', (name) => {
    expect(readmeRow(name), `README configuration table has no row for ${name}`).toBeDefined();
    expect(envExample, `.env.example does not mention ${name}`).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });

  it.each(Object.entries(CONTRACT_DEFAULTS))('the README gives %s the contract’s default %s', (name, value) => {
    expect(readmeRow(name)!.split('|')[2]).toContain(`\`${value}\``);
  });
});
