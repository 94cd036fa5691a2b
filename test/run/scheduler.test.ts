import { describe, expect, it } from 'vitest';
import { exclusive } from '../../src/run/scheduler.js';

describe('exclusive', () => {
  it('skips a tick while the previous run is still going, and runs again once it has finished', async () => {
    let release: () => void = () => {};
    let runs = 0;
    let skips = 0;
    const guard = exclusive(
      () => {
        runs += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
      () => (skips += 1),
    );

    const first = guard.tick();
    void guard.tick(); // arrives during the slow cycle
    expect([runs, skips]).toEqual([1, 1]);
    expect(guard.current()).toBe(first);

    release();
    await first;
    expect(guard.current()).toBeUndefined();
    void guard.tick();
    expect([runs, skips]).toEqual([2, 1]);
    release();
  });

  it('frees the slot when a run fails', async () => {
    const guard = exclusive(() => Promise.reject(new Error('boom')), () => {});
    await expect(guard.tick()).rejects.toThrow('boom');
    expect(guard.current()).toBeUndefined();
  });
});
