import { afterEach, describe, expect, it } from 'vitest';
import { apiErrorCode, classifyResponse } from '../src/auth0/http.js';
import { asCodedError, UnknownError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { REDACTED, forgetSecrets, holdsSecret, registerSecrets, safeErrorCode, scrubText } from '../src/secrets.js';
import { toSlackApiError } from '../src/slack/slack-errors.js';
import { platformError } from './helpers/slack-poster.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl';
const SECRET = 'S3CRET-client-secret-do-not-leak-7f3a';
const BOT = 'xoxb-1234-5678-abcdefABCDEF';

afterEach(forgetSecrets);

describe('safeErrorCode: codes only when they look like codes (issue 11, point 6)', () => {
  it.each([
    ['invalid_grant', 'invalid_grant'],
    ['channel_not_found', 'channel_not_found'],
    [`Bearer ${TOKEN}`, undefined],
    ['Authorization: Bearer abc', undefined],
    ['Invalid-Token', undefined],
    ['x'.repeat(65), undefined],
    [42, undefined],
    [null, undefined],
  ])('%j → %j', (value, code) => {
    expect(safeErrorCode(value)).toBe(code);
  });
});

describe('scrubText', () => {
  it('removes every registered secret and every credential shape', () => {
    registerSecrets(SECRET, undefined, 'abc');
    const text = `body: {"error":"Bearer ${TOKEN}","secret":"${SECRET}","slack":"${BOT}","app":"xapp-1-A0-123-abc","form":"client_secret=${SECRET}x"}`;
    const out = scrubText(text, 10_000);
    for (const leaked of [TOKEN, SECRET, BOT, 'xapp-1-A0', 'eyJ']) expect(out).not.toContain(leaked);
    expect(out).toContain(`Bearer ${REDACTED}`);
  });

  it('a secret shorter than 8 characters is scrubbed too, where it stands alone — never inside a longer word', () => {
    // It used to be dropped at registration: `postgres://bot:hunter2@db` printed the password.
    registerSecrets('hunter2', 'secret', 'a.b+c');
    expect(scrubText('postgres://bot:hunter2@db/alerts password=hunter2&x "hunter2"', 10_000)).toBe(
      `postgres://bot:${REDACTED}@db/alerts password=${REDACTED}&x "${REDACTED}"`,
    );
    expect(scrubText('hunter2')).toBe(REDACTED);
    // Inside a word it is another word: "client_secret" stays readable, a regex character is a plain character.
    expect(scrubText('client_secret or client_secret_env is required; secrets; hunter23')).toBe('client_secret or client_secret_env is required; secrets; hunter23');
    expect(scrubText('token a.b+c, not aXb+c')).toBe(`token ${REDACTED}, not aXb+c`);
    expect(holdsSecret('login hunter2')).toBe(true);
    const error = new UnknownError('password authentication failed (hunter2)');
    expect(error.message).toBe(`password authentication failed (${REDACTED})`);
  });

  it('a short secret that starts or ends with a character outside words is scrubbed next to a letter too', () => {
    // The whole-word guard is for a secret's letter-or-digit edge only ("secret" inside "client_secret"): at a
    // punctuation edge no longer word can hold it, and "x!pw9" / "p@ss!x" printed the password.
    registerSecrets('!pw9', 'p@ss!', '$5');
    expect(scrubText('user=bot!pw9 and p@ss!x; cost$5.')).toBe(`user=bot${REDACTED} and ${REDACTED}x; cost${REDACTED}.`);
    // Its letter-or-digit edge still keeps it apart from a longer word.
    expect(scrubText('!pw99 xp@ss!')).toBe('!pw99 xp@ss!');
  });

  it('cuts free text, and a secret straddling the cut leaves no prefix behind', () => {
    registerSecrets(SECRET);
    const out = scrubText(`${'x'.repeat(490)}${SECRET}${'y'.repeat(1_000)}`);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).not.toContain(SECRET.slice(0, 8));
    expect(scrubText('z'.repeat(5_000_000)).length).toBe(500);
  });

  it('holdsSecret tells text that would be scrubbed', () => {
    registerSecrets(SECRET);
    expect(holdsSecret(`a ${SECRET}`)).toBe(true);
    expect(holdsSecret('nothing here')).toBe(false);
  });
});

describe('echoed credentials never reach an error message', () => {
  it('Auth0: an error body echoing the Authorization header gives no code and no text of it', () => {
    registerSecrets(TOKEN);
    const echo = { error: `Bearer ${TOKEN}`, errorCode: `Authorization: Bearer ${TOKEN}`, message: `bad token ${TOKEN}` };
    expect(apiErrorCode(echo)).toBeUndefined();
    // The old sanitiser kept "BearereyJhbGci…" as the code.
    const error = classifyResponse({ method: 'GET', path: '/api/v2/logs' }, { status: 400, data: echo, headers: {} }, 0);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN.slice(0, 12));
    expect(apiErrorCode({ error: 'access_denied', errorCode: 'insufficient_scope' })).toBe('insufficient_scope');
  });

  it('Slack: a platform error whose `error` echoes the token is not taken as a code', () => {
    registerSecrets(BOT);
    const converted = toSlackApiError('chat.postMessage', platformError(`not_authed: Bearer ${BOT}`), '#a');
    expect(converted.details.apiError).toBe('unknown_error');
    expect(JSON.stringify({ message: converted.message, details: converted.details, cause: String(converted.cause) })).not.toContain(BOT);
  });

  it('errors of any kind are scrubbed when made; unknown ones cut to 500 characters', () => {
    registerSecrets(SECRET);
    expect(new UnknownError(`failed with ${SECRET}`).message).toBe(`failed with ${REDACTED}`);
    const foreign = asCodedError(new Error(`socket hang up Authorization: Bearer ${TOKEN} ${'x'.repeat(10_000)}`));
    expect(foreign.message).not.toContain(TOKEN);
    expect(foreign.message.length).toBeLessThanOrEqual(500);
    expect(foreign.cause).toBeUndefined();
  });
});

describe('the logger scrubs every line (last line of defence)', () => {
  it('message, string fields, nested fields and errors', () => {
    registerSecrets(SECRET);
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.warn({ problem: `echo ${SECRET}`, nested: { body: `Bearer ${TOKEN}` }, list: [BOT] }, `failed: ${SECRET}`);
    logger.error(new Error(`boom ${SECRET}`));
    logger.info(`plain ${BOT}`);
    expect(lines).toHaveLength(3);
    for (const line of lines) for (const leaked of [SECRET, TOKEN, BOT]) expect(line).not.toContain(leaked);
    expect(lines[0]).toContain(REDACTED);
  });
});
