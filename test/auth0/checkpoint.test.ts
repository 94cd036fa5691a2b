import { describe, expect, it } from 'vitest';
import { LOG_ID_LENGTH, logIdTime, syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { logId } from '../helpers/auth0-fixtures.js';

describe('syntheticCheckpoint', () => {
  const at = new Date('2024-05-01T12:34:56.789Z');

  it('is 900 + UTC YYYYMMDDhhmmss padded to a log id length', () => {
    const id = syntheticCheckpoint(at);
    expect(id).toHaveLength(LOG_ID_LENGTH);
    expect(id.startsWith('90020240501123456')).toBe(true);
    expect(logIdTime(id)).toEqual(new Date('2024-05-01T12:34:56Z'));
  });

  it('sorts after earlier logs and before logs of the same second and later', () => {
    const id = syntheticCheckpoint(at);
    expect(logId(new Date('2024-05-01T12:34:55Z'), 999) < id).toBe(true);
    expect(logId(new Date('2024-05-01T12:34:56Z'), 1) > id).toBe(true);
    // a real log id from Auth0 (public sample)
    expect('90020230726131118200088000000000000001223372038981421504' < syntheticCheckpoint(new Date('2023-07-26T13:11:19Z'))).toBe(true);
  });
});
