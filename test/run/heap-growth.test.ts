import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from '../../src/run/heap-growth.js';

describe('limitHeapGrowth', () => {
  it("leaves the operator's own choice on node's command line alone, in either spelling", () => {
    expect(limitHeapGrowth(['--heap-growing-percent=20'])).toBe(false);
    expect(limitHeapGrowth(['--max-old-space-size=512', '--heap_growing_percent=80'])).toBe(false);
  });

  it('applies its own setting otherwise; other flags are not that choice (it only tunes garbage collection in this process)', () => {
    expect(limitHeapGrowth(['--enable-source-maps', '--max-old-space-size=512', '--heap-growing-percentage=1'])).toBe(true);
  });
});
