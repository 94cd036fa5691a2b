import { WebClient, type ChatPostMessageArguments, type ChatUpdateArguments, type Logger as SlackLogger, LogLevel } from '@slack/web-api';
import type { SlackMessage, SlackUpdate } from './format.js';
import type { NoticeMessage } from './format-notice.js';
import { toSlackApiError } from './slack-errors.js';
import { metrics } from '../metrics/index.js';

/**
 * The two calls the sender makes; fakes implement this in tests. Failures are SlackApiError.
 * `ts` is null when Slack said ok without one: posted, but nothing can thread under it.
 */
export interface SlackPoster {
  postMessage(message: SlackMessage | NoticeMessage): Promise<{ ts: string | null; channel: string }>;
  update(update: SlackUpdate): Promise<void>;
}

export interface SlackClientOptions {
  token: string;
  /** SLACK_API_URL. @default 'https://slack.com/api/' */
  apiUrl?: string;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
}

/**
 * A WebClient whose own retries are off and whose 429s are rejected, so the
 * sender decides (deterministically) when to retry and nothing is posted twice
 * behind our back.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl ?? 'https://slack.com/api/',
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 30_000,
    // The library logs raw request failures to the console (stdout); we log our own converted errors.
    logger: quietLogger(),
    logLevel: LogLevel.ERROR,
  });
}

export function webClientPoster(client: WebClient): SlackPoster {
  return {
    async postMessage(message) {
      const startedAt = performance.now();
      try {
        const result = await client.chat.postMessage(message as unknown as ChatPostMessageArguments);
        // ok without a ts is still posted: failing it would post it again.
        metrics.notification(performance.now() - startedAt);
        return { ts: result.ts ?? null, channel: result.channel ?? message.channel };
      } catch (error) {
        throw notedFailure(toSlackApiError('chat.postMessage', error, message.channel), startedAt);
      }
    },
    async update(update) {
      const startedAt = performance.now();
      try {
        await client.chat.update(update as unknown as ChatUpdateArguments);
        metrics.notification(performance.now() - startedAt);
      } catch (error) {
        throw notedFailure(toSlackApiError('chat.update', error, update.channel), startedAt);
      }
    },
  };
}

/** Counts a failed call in the metrics (duration, and reason), then hands the error on. */
function notedFailure(error: ReturnType<typeof toSlackApiError>, startedAt: number): ReturnType<typeof toSlackApiError> {
  metrics.notification(performance.now() - startedAt, error.details.reason);
  return error;
}

function quietLogger(): SlackLogger {
  let level = LogLevel.ERROR;
  return {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
