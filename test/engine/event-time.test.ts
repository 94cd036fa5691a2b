import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { eventMillis } from '../../src/engine/event-time.js';
import { seeded } from '../helpers/engine-traffic.js';

const at = (date: string) => eventMillis({ date, log_id: '1', type: 's' } as LogEvent);

describe('eventMillis', () => {
  it('reads Auth0 dates exactly as Date.parse does, whatever their precision', () => {
    const random = seeded(5);
    for (let i = 0; i < 5_000; i++) {
      const ms = Date.UTC(2000, 0, 1) + Math.floor(random() * 40 * 365 * 86_400_000);
      const iso = new Date(ms).toISOString(); // 2024-05-01T12:00:00.123Z
      for (const date of [iso, iso.replace(/\.\d+Z$/, 'Z'), iso.replace(/(\.\d)\d\dZ$/, '$1Z'), iso.replace(/(\.\d\d)\dZ$/, '$1Z')]) {
        expect(at(date), date).toBe(Date.parse(date));
      }
    }
  });

  it.each([
    // other forms go to Date.parse
    '2024-05-01T12:00:00+02:00',
    '2024-05-01T12:00:00.123456Z',
    '2024-05-01 12:00:00Z',
    'Wed, 01 May 2024 12:00:00 GMT',
    // out of range values are not rolled over into the next unit
    '2024-13-01T12:00:00.000Z',
    '2024-05-01T12:60:00.000Z',
    '0024-05-01T12:00:00.000Z',
  ])('agrees with Date.parse on %s', (date) => {
    expect(Object.is(at(date), Date.parse(date))).toBe(true);
  });
});
