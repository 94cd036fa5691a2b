import { describe, expect, it } from 'vitest';
import { parseLogEvent } from '../../src/auth0/log-event.js';

const valid = { log_id: '90020240101000000000000000000000000000000000000000000001', date: '2024-01-01T00:00:00.000Z', type: 'f' };

describe('parseLogEvent', () => {
  it('accepts an Auth0-shaped event and keeps unknown fields', () => {
    const parsed = parseLogEvent({ ...valid, isMobile: false, details: { a: 1 } });
    expect(parsed).toEqual({ ok: true, event: { ...valid, isMobile: false, details: { a: 1 } } });
  });

  it.each([
    // what arrives → the problem named in the warning
    [null, 'not an object'],
    [[valid], 'not an object'],
    ['f', 'not an object'],
    [{ date: valid.date, type: 'f' }, 'log_id is missing'],
    [{ log_id: valid.log_id, type: 'f' }, 'date is missing'],
    [{ log_id: valid.log_id, date: valid.date }, 'type is missing'],
    [{ ...valid, date: 'yesterday' }, 'date: unparsable date'],
    [{ ...valid, log_id: 42 }, 'log_id: Invalid input: expected string, received number'],
  ])('rejects %j with "%s"', (raw, problem) => {
    expect(parseLogEvent(raw)).toEqual({ ok: false, problem });
  });
});
