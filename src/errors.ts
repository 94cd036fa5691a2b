import { MAX_FREE_TEXT, scrubText } from './secrets.js';

/**
 * Typed errors with stable codes. Callers branch on `code`; users read `message`.
 * Every message must be safe to print: no secrets, tokens, headers or bodies —
 * and as a last line of defence every message is scrubbed of registered secrets
 * and credential shapes (src/secrets.ts) when the error is made.
 */
/** Longest message kept (a ConfigError lists every problem; free text from elsewhere is cut far shorter). */
const MAX_MESSAGE = 8_000;
export const ErrorCode = {
  Config: 'config_error',
  Usage: 'usage_error',
  Rule: 'rule_error',
  Auth0Api: 'auth0_api_error',
  Auth0Auth: 'auth0_auth_error',
  SlackApi: 'slack_api_error',
  State: 'state_error',
  Unknown: 'unknown_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export abstract class CodedError extends Error {
  abstract readonly code: ErrorCode;
  /** Process exit code the top-level handler uses for this family. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(scrubText(message, MAX_MESSAGE), options);
    this.name = new.target.name;
  }
}

/** Invalid or missing configuration: every problem, listed. Exit 2. */
export class ConfigError extends CodedError {
  readonly code = ErrorCode.Config;
  override readonly exitCode = 2;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends CodedError {
  readonly code = ErrorCode.Usage;
  override readonly exitCode = 2;
}

/** A broken rule file, located at file:line:col and a key path. */
export class RuleError extends CodedError {
  readonly code = ErrorCode.Rule;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly keyPath: string,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col} ${keyPath ? `${keyPath}: ` : ''}${detail}`);
  }
}

export type FailureReason = 'rate_limited' | 'auth' | 'client' | 'server' | 'network' | 'timeout';

/** The Auth0 Management/Authentication API failed; carries method, path, status only. */
export class Auth0ApiError extends CodedError {
  readonly code: ErrorCode = ErrorCode.Auth0Api;
  constructor(
    message: string,
    readonly details: {
      method: string;
      path: string;
      status?: number;
      apiError?: string;
      reason: FailureReason;
      retryable: boolean;
      retryAfterMs?: number;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Credentials rejected by the token endpoint: fatal, fix the configuration. Exit 2. */
export class Auth0AuthError extends Auth0ApiError {
  override readonly code = ErrorCode.Auth0Auth;
  override readonly exitCode = 2;
}

/** A Slack Web API call failed; carries method and Slack's error code only. */
export class SlackApiError extends CodedError {
  readonly code = ErrorCode.SlackApi;
  constructor(
    message: string,
    readonly details: {
      method: string;
      apiError?: string;
      status?: number;
      reason: FailureReason;
      retryable: boolean;
      retryAfterMs?: number;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The state database cannot be opened, is corrupt, or is locked. */
export class StateError extends CodedError {
  readonly code = ErrorCode.State;
}

/**
 * A state write failed for a reason that passes (the database is locked by
 * another process, the disk is full): nothing of it was stored, the bot goes
 * on and the next cycle retries. Same code as StateError; `retryable` tells it apart.
 */
export class StateBusyError extends StateError {
  readonly retryable = true;
}

/**
 * A page commit refused because the stored checkpoint moved: another process
 * (or replica) stored those events first. Nothing was stored, nothing is
 * doubled: retryable, the next cycle reads the new position and rule state.
 */
export class CheckpointMovedError extends StateBusyError {}

/**
 * A commit of a tenant's rule state was refused because another writer (the
 * poller or a log-stream request, maybe in another process) committed since
 * it was read: nothing was stored; re-read, re-evaluate and commit again.
 */
export class RuleStateConflictError extends StateBusyError {}

/** Anything that reached the top without a code. */
export class UnknownError extends CodedError {
  readonly code = ErrorCode.Unknown;
}

/** The single funnel: every thrown value becomes a CodedError. */
export function asCodedError(error: unknown): CodedError {
  if (error instanceof CodedError) return error;
  // Free text from anywhere (a library, a driver): cut and scrubbed; the cause is not kept (it may carry a request).
  return new UnknownError(scrubText(error instanceof Error ? error.message : error, MAX_FREE_TEXT));
}
