// A rule's group keys are built from its compiled key start and hashed to their bucket from there on
// (group-key.ts): the key and bucket must be exactly the ones of the whole key hashed from its first
// character (bucketOf), which the stored state is spread by — rule ids, key fields and values of
// every kind, absent values included.
import { describe, expect, it } from 'vitest';
import { groupKey, groupKeyBucket, groupKeyOf } from '../../src/engine/group-key.js';
import { valueText } from '../../src/engine/fields.js';
import { bucketOf } from '../../src/engine/state.js';
import { seeded } from '../helpers/engine-traffic.js';
import { ruleSet } from '../helpers/engine-fixtures.js';

const random = seeded(5);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const texts = ['', 'a', '203.0.113.7', 'user@example.com', 'é', '\u0000', '\u0001', 'x'.repeat(250), '😀', 'Ünïcödé name'];
const values: unknown[] = [...texts, null, undefined, 0, 42, true, ['a', 'b'], { nested: { x: 1 } }];

describe('group keys', () => {
  it('hash to the bucket of the whole key, whatever the rule, fields and values', () => {
    const fields = ['ip', 'user_name', 'details.request.path', 'connection'];
    for (let round = 0; round < 200; round++) {
      const groupBy = fields.slice(0, Math.floor(random() * (fields.length + 1)));
      const id = `rule-${round}${'x'.repeat(round % 17)}`;
      // A threshold's group_by, or a match rule's throttle.by (its groups are keyed the same way).
      const byThrottle = round % 2 === 1;
      const definition = byThrottle
        ? { id, match: { codes: ['fp'] }, throttle: groupBy.length > 0 ? { period: '1h', by: groupBy } : '1h' }
        : { id, match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', ...(groupBy.length > 0 ? { group_by: groupBy } : {}) } };
      const rule = ruleSet([definition]).rules[0]!;
      expect(rule.groupBy).toEqual(groupBy);
      for (let n = 0; n < 20; n++) {
        const event: Record<string, unknown> = { type: 'fp', ip: pick(values), user_name: pick(values), connection: pick(values), details: { request: { path: pick(values) } } };
        const key = groupKey(rule, event);
        const read = groupBy.map((field) => valueText(rule.groupGetters[groupBy.indexOf(field)]!(event)));
        expect(key).toBe(groupKeyOf(id, read));
        expect(groupKeyBucket(rule, key)).toBe(bucketOf(key));
      }
    }
  });
});
