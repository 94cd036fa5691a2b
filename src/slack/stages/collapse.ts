import type { OutboxRow } from '../../state/store.js';

/**
 * What one Slack message will deliver:
 * - `alert`: one row that opens an incident (a channel message);
 * - `repeats`: every pending repeat of one incident (one thread reply);
 * - `digest`: many rows of one rule collapsed during a flood (one channel message).
 */
export type WorkItem =
  | { kind: 'alert'; rows: [OutboxRow] }
  | { kind: 'repeats'; incident: string; rows: OutboxRow[] }
  | { kind: 'digest'; ruleId: string; tenant: string; rows: OutboxRow[] };

export interface CollapseOptions {
  /** More would-be channel messages than this in one channel → digests. */
  digestAbove: number;
  /** Whether an incident already has a message to reply under (its repeats are thread replies, never digested). */
  threaded: (incident: string) => boolean;
}

/**
 * Stage: rows of one channel (queue order) → work items (queue order of their first row).
 * Repeats of one incident always batch into one reply. In a flood — more
 * would-be channel messages than `digestAbove` — the channel-message items of a
 * rule (of one tenant: a digest never mixes tenants) that has more than one
 * become one digest; replies in existing threads
 * stay replies (they never notify the channel).
 */
export function collapse(rows: readonly OutboxRow[], options: CollapseOptions): WorkItem[] {
  const items = batchRepeats(rows);
  const isChannelMessage = (item: WorkItem) => item.kind === 'alert' || !options.threaded(item.rows[0]!.incident);
  const channelItems = items.filter(isChannelMessage);
  if (channelItems.length <= options.digestAbove) return items;

  const digestKey = (item: WorkItem) => JSON.stringify([item.rows[0]!.tenant, item.rows[0]!.ruleId]);
  const byRule = new Map<string, WorkItem[]>();
  for (const item of channelItems) {
    const key = digestKey(item);
    byRule.set(key, [...(byRule.get(key) ?? []), item]);
  }
  const out: WorkItem[] = [];
  const emitted = new Set<string>();
  for (const item of items) {
    if (!isChannelMessage(item)) {
      out.push(item);
      continue;
    }
    const key = digestKey(item);
    const ofRule = byRule.get(key)!;
    if (ofRule.length === 1) {
      out.push(item);
      continue;
    }
    if (emitted.has(key)) continue;
    emitted.add(key);
    out.push({ kind: 'digest', ruleId: item.rows[0]!.ruleId, tenant: item.rows[0]!.tenant, rows: ofRule.flatMap((each) => each.rows).sort((a, b) => a.id - b.id) });
  }
  return out;
}

function batchRepeats(rows: readonly OutboxRow[]): WorkItem[] {
  const items: WorkItem[] = [];
  const repeatsByIncident = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    if (row.kind === 'alert') {
      items.push({ kind: 'alert', rows: [row] });
      continue;
    }
    const batch = repeatsByIncident.get(row.incident);
    if (batch) {
      batch.push(row);
      continue;
    }
    const fresh = [row];
    repeatsByIncident.set(row.incident, fresh);
    items.push({ kind: 'repeats', incident: row.incident, rows: fresh });
  }
  return items;
}
