import { describe, expect, it } from 'vitest';
import { ChangedBuckets } from '../../src/engine/state.js';

describe('ChangedBuckets', () => {
  it('holds what a set would, ascending, under random additions (indexes beyond its size too)', () => {
    let seed = 42;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % below;
    };
    for (let round = 0; round < 200; round++) {
      const size = 1 + random(64);
      const changed = new ChangedBuckets(size);
      const reference = new Set<number>();
      const additions = random(100);
      for (let i = 0; i < additions; i++) {
        const index = random(size + 8);
        changed.add(index);
        reference.add(index);
        expect(changed.size).toBe(reference.size);
      }
      expect(changed.sorted()).toEqual([...reference].sort((a, b) => a - b));
    }
  });
});
