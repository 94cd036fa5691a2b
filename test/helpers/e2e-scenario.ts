import { expect } from 'vitest';
import type { PostedMessage } from '../e2e/standins/slack.js';
import { HOSTILE_MARKERS } from './e2e-traffic.js';
import { reportedLogIds, waitFor, type World } from './e2e-harness.js';

/**
 * Waits until the bot has caught up and delivered everything: the stored
 * checkpoint is the stand-in's last log id, the outbox has nothing pending and
 * `done` holds (e.g. every expected log id reported).
 */
export async function waitUntilSettled(world: World, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'the bot to catch up and deliver everything',
    () => {
      if (!world.bots.some((bot) => bot.isRunning())) {
        throw new Error(`the bot exited before settling\n${world.diagnostics()}`);
      }
      const state = world.state();
      return state !== undefined && state.checkpoint === world.auth0.lastLogId() && state.pending === 0 && done();
    },
    { timeoutMs, intervalMs: 200, diagnostics: () => world.diagnostics() },
  );
}

/**
 * Every id in `expected` was reported at least once (a wait condition: other log ids may have
 * been reported too — `expectReportedExactlyOnce` is the check that nothing else was).
 */
export function allReported(world: World, expected: readonly string[]): boolean {
  const seen = reportedLogIds(world.slack.messages);
  return expected.every((id) => seen.has(id));
}

/** Each expected log id reported by exactly one message; no other log id reported. */
export function expectReportedExactlyOnce(messages: readonly PostedMessage[], expected: readonly string[]): void {
  const seen = reportedLogIds(messages);
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  expect(twice, 'log ids reported by more than one message').toEqual([]);
  expect([...seen.keys()].sort()).toEqual([...expected].sort());
}

/** Slack refused nothing but rate-limited posts, and no secret reached the bot's output. */
export function expectCleanRun(world: World): void {
  expect(world.slack.rejections.filter((r) => r.error !== 'ratelimited')).toEqual([]);
  const output = world.bots.map((bot) => bot.output()).join('\n');
  for (const secret of [world.auth0.clientSecret, world.slack.token, ...world.auth0.issuedTokens()]) {
    expect(output.includes(secret), 'a secret appears in the bot output').toBe(false);
  }
}

/**
 * Texts Slack parses for mentions and links: the top-level `text` and every
 * mrkdwn text object. plain_text (headers, buttons) shows `<!channel>` literally,
 * so it is inert by construction; URLs are collected to catch an injected link.
 */
export function parsedTexts(message: { text: string; blocks: unknown[] }): string[] {
  const found: string[] = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const object = value as Record<string, unknown>;
    if (object.type === 'mrkdwn' && typeof object.text === 'string') found.push(object.text);
    if (typeof object.url === 'string') found.push(`<${object.url}>`);
    Object.values(object).forEach(walk);
  };
  walk(message.blocks);
  // A critical rule's own mention leads its message (`<!here> · …`, or the first line of the intro):
  // that is the rule speaking, not data; an injected one anywhere else is still caught.
  return found.map((text) => text.replace(/^<!here>(?: · |\n)/, ''));
}

/** No hostile fragment survives in any mrkdwn text, fallback text or URL posted or updated. */
export function expectInert(world: World): void {
  const texts = [...world.slack.messages, ...world.slack.updates].flatMap(parsedTexts);
  for (const marker of HOSTILE_MARKERS) {
    expect(texts.filter((text) => text.includes(marker)), `posted text contains ${marker}`).toEqual([]);
  }
}

/** Sends SIGTERM and waits for a graceful exit. */
export async function stopGracefully(world: World): Promise<{ code: number | null; signal: NodeJS.Signals | null }[]> {
  const running = world.bots.filter((bot) => bot.isRunning());
  for (const bot of running) bot.child.kill('SIGTERM');
  return Promise.all(running.map((bot) => bot.exited));
}
