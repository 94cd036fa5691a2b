import { describe, expect, it } from 'vitest';
import {
  Auth0ApiError,
  Auth0AuthError,
  ConfigError,
  ErrorCode,
  RuleError,
  SlackApiError,
  StateBusyError,
  StateError,
  UnknownError,
  UsageError,
  asCodedError,
} from '../src/errors.js';

describe('coded errors', () => {
  const reason = { method: 'GET', path: '/x', reason: 'server', retryable: true } as const;
  // Each family keeps its stable code and exit code: callers and scripts branch on them.
  it.each([
    [new ConfigError(['a']), ErrorCode.Config, 2],
    [new UsageError('u'), ErrorCode.Usage, 2],
    [new RuleError('r.yml', 1, 2, 'id', 'bad'), ErrorCode.Rule, 1],
    [new Auth0ApiError('x', reason), ErrorCode.Auth0Api, 1],
    [new Auth0AuthError('x', reason), ErrorCode.Auth0Auth, 2],
    [new SlackApiError('x', { method: 'chat.postMessage', reason: 'client', retryable: false }), ErrorCode.SlackApi, 1],
    [new StateError('s'), ErrorCode.State, 1],
    [new StateBusyError('locked'), ErrorCode.State, 1],
    [new UnknownError('?'), ErrorCode.Unknown, 1],
  ])('%s has a stable code and exit code', (error, code, exitCode) => {
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exitCode);
  });

  it('lists every configuration problem in the message', () => {
    const error = new ConfigError(['AUTH0_DOMAIN is missing', 'POLL_SCHEDULE is invalid']);
    expect(error.message).toContain('AUTH0_DOMAIN is missing');
    expect(error.message).toContain('POLL_SCHEDULE is invalid');
  });

  it('locates a rule error at file:line:col and key path', () => {
    expect(new RuleError('rules/x.yml', 7, 5, 'match.codes[2]', "unknown code 'pwdleak'").message).toBe(
      "rules/x.yml:7:5 match.codes[2]: unknown code 'pwdleak'",
    );
  });

  it('wraps anything uncoded as UnknownError', () => {
    const wrapped = asCodedError(new TypeError('boom'));
    expect(wrapped).toBeInstanceOf(UnknownError);
    expect(wrapped.message).toBe('boom');
    const kept = new UsageError('x');
    expect(asCodedError(kept)).toBe(kept);
  });
});

describe('StateBusyError', () => {
  it('is a StateError that says it passes, so the bot retries instead of stopping', () => {
    const error = new StateBusyError('state database is locked');
    expect(error).toBeInstanceOf(StateError);
    expect(error.retryable).toBe(true);
    expect(error.name).toBe('StateBusyError');
    expect(asCodedError(error)).toBe(error);
  });
});
