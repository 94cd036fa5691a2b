import { Writable } from 'node:stream';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import type { Clock } from '../../src/slack/clock.js';
import type { SlackMessage, SlackUpdate } from '../../src/slack/format.js';
import type { SlackPoster } from '../../src/slack/poster.js';

/** What WebClient throws for ok:false (the library's own error class). */
export function platformError(error: string): Error {
  return new WebAPIPlatformError({ ok: false, error });
}

export function rateLimitedError(retryAfterSec: number): Error {
  return new WebAPIRateLimitedError(retryAfterSec);
}

export function httpError(statusCode: number): Error {
  return new WebAPIHTTPError(statusCode, 'error', { authorization: 'Bearer xoxb-secret' }, '');
}

/** A transport failure; `original` is what fetch threw (a TimeoutError when the request timeout fired). */
export function requestError(original: Error): Error {
  return new WebAPIRequestError(original);
}

type Script = (message: SlackMessage, attempt: number) => Error | undefined;

/** Records what would be posted; `script` decides per call whether it fails. */
export class FakePoster implements SlackPoster {
  readonly posts: (SlackMessage & { ts: string; at: number })[] = [];
  readonly updates: (SlackUpdate & { at: number })[] = [];
  /** Every call, failed or not, with the exact body it carried. */
  readonly attempts: { channel: string; at: number; thread: boolean; body: SlackMessage }[] = [];
  script: Script = () => undefined;
  private sequence = 0;

  constructor(private readonly clock: Clock = { now: () => 0, sleep: async () => {} }) {}

  async postMessage(message: SlackMessage): Promise<{ ts: string; channel: string }> {
    this.attempts.push({ channel: message.channel, at: this.clock.now(), thread: !!message.thread_ts, body: structuredClone(message) });
    const failure = this.script(message, this.attempts.length);
    if (failure) throw failure;
    this.sequence += 1;
    const ts = `1700000000.${String(this.sequence).padStart(6, '0')}`;
    this.posts.push({ ...structuredClone(message), ts, at: this.clock.now() });
    return { ts, channel: `C${message.channel.replace(/\W/g, '').toUpperCase()}` };
  }

  async update(update: SlackUpdate): Promise<void> {
    this.updates.push({ ...structuredClone(update), at: this.clock.now() });
  }

  /** Top-level channel messages (not thread replies). */
  channelMessages(): SlackMessage[] {
    return this.posts.filter((post) => !post.thread_ts);
  }
}

/** A clock whose sleeps advance time instantly; records every wait. */
export class ManualClock implements Clock {
  readonly waits: number[] = [];
  constructor(public time = Date.parse('2024-01-01T00:00:00.000Z')) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.waits.push(ms);
    this.time += Math.max(0, ms);
  }
}

/** A pino logger whose lines tests can read. */
export function captureLogger(): { logger: Logger; lines: () => { level: number; msg: string; [key: string]: unknown }[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}
