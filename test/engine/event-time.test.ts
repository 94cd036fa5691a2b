import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { daysFromCivil, eventMillis } from '../../src/engine/event-time.js';
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

  it('reads every field of the form, days past a month end and years back to 100 included, as Date.parse does', () => {
    const random = seeded(11);
    const pad = (value: number, width: number) => String(value).padStart(width, '0');
    const pick = (below: number) => Math.floor(random() * below);
    for (let i = 0; i < 20_000; i++) {
      const fraction = ['', '.', '.1', '.12', '.123', '.1234', '.1a', '.a'][i % 8]!;
      // Mostly valid fields, now and then one out of range (those go to Date.parse).
      const date = `${pad(100 + pick(9_900), 4)}-${pad(1 + pick(13), 2)}-${pad(pick(33), 2)}T${pad(pick(25), 2)}:${pad(pick(61), 2)}:${pad(pick(61), 2)}${fraction}Z`;
      expect(Object.is(at(date), Date.parse(date)), date).toBe(true);
    }
  });

  it('reads a date right whatever minute the one before it had (the last minute is remembered)', () => {
    const random = seeded(12);
    const base = Date.UTC(2024, 4, 1, 12, 0, 0);
    const dates: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      // Within a few minutes of each other, out of order, sometimes in another form or unreadable.
      const iso = new Date(base + Math.floor(random() * 5 * 60_000) - (i % 7 === 0 ? 400 * 86_400_000 : 0)).toISOString();
      dates.push(iso, iso.replace(/\.\d+Z$/, 'Z'));
      if (i % 50 === 0) dates.push(iso.replace('Z', '+01:00'), iso.replace(/:(\d\d)\./, ':6$1.'), 'not a date', iso.slice(0, 17) + 'xx.000Z');
    }
    for (const date of dates) expect(Object.is(at(date), Date.parse(date)), date).toBe(true);
  });

  it('counts days as Date.UTC does', () => {
    const random = seeded(13);
    for (let i = 0; i < 20_000; i++) {
      const [year, month, day] = [100 + Math.floor(random() * 9_900), 1 + Math.floor(random() * 12), 1 + Math.floor(random() * 31)];
      expect(daysFromCivil(year, month, day) * 86_400_000).toBe(Date.UTC(year, month - 1, day));
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
    '1969-12-31T23:59:59.999Z',
    '0100-03-01T00:00:00.000Z',
    '2024-02-30T00:00:00.000Z',
    '2024-05-01T12:00:00.Z',
    '2024-05-01T12:00:60.000Z',
    '2024-05-01T24:00:00.000Z',
  ])('agrees with Date.parse on %s', (date) => {
    expect(Object.is(at(date), Date.parse(date))).toBe(true);
  });
});
