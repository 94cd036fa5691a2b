import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, main } from '../src/cli.js';
import { ENV_NAMES } from '../src/config/index.js';
import { useCliOutput } from './helpers/engine-cli-output.js';

const output = useCliOutput();

/** Every runnable command: `rules check`, `lookup`, … (not the `rules` group itself). */
function leafCommands(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return child.commands.length > 0 ? leafCommands(child, path) : [path];
  });
}

describe('the CLI tells cron and people the truth', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await main(['--version'])).toBe(0);
    expect(output.stdout.trim()).toBe(version);
  });

  const commands = leafCommands(buildProgram());
  it('has the commands of the contract', () => {
    expect(commands.map((path) => path.join(' ')).sort()).toEqual(['demo', 'lookup', 'replay', 'rules check', 'rules list', 'run', 'status']);
  });

  it.each(commands.map((path) => [path.join(' '), path]))('`%s --help` states its exit codes', async (_name, path) => {
    expect(await main([...(path as string[]), '--help'])).toBe(0);
    expect(output.stdout).toMatch(/Exit codes: 0 /);
  });

  // Every command answers an unknown option or a missing argument with exit 2 (main, below): a script
  // reading `--help` to learn which codes to expect must find the 2 there too.
  it.each(commands.map((path) => [path.join(' '), path]))('`%s --help` lists exit code 2 for a usage error, which it returns', async (_name, path) => {
    expect(await main([...(path as string[]), '--help'])).toBe(0);
    expect(output.stdout).toMatch(/Exit codes: [\s\S]*\b2 usage\b/);
    expect(await main([...(path as string[]), '--no-such-option'])).toBe(2);
  });

  it('`rules --help` (the group) states the exit codes of its commands too', async () => {
    expect(await main(['rules', '--help'])).toBe(0);
    expect(output.stdout).toMatch(/Exit codes: .*rules check.*rules list/s);
  });

  it('no command, or `rules` without check/list, is a usage error (exit 2) with the help on stderr — not a success', async () => {
    expect(await main([])).toBe(2);
    expect(output.stderr).toContain('Usage: auth0-log-alerts');
    expect(await main(['rules'])).toBe(2);
    expect(output.stderr).toContain('Usage: auth0-log-alerts rules');
    // asking for help is not an error
    expect(await main(['help'])).toBe(0);
    expect(await main(['help', 'rules'])).toBe(0);
  });

  it('`run --help` lists every environment variable the configuration reads, and .env', async () => {
    expect(await main(['run', '--help'])).toBe(0);
    expect(output.stdout).toContain('.env');
    expect(ENV_NAMES.length).toBeGreaterThan(15);
    for (const name of ENV_NAMES) expect(output.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });
});
