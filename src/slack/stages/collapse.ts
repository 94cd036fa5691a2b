import { MAX_LOG_IDS } from '../../engine/alert.js';
import type { MessagePart, OutboxRow } from '../../state/store.js';
import { alertMessageCount } from '../log-id-parts.js';

/**
 * What one Slack message will deliver:
 * - `alert`: one row that opens an incident (a channel message);
 * - `repeats`: pending repeats of one incident (one thread reply), as many as
 *   fit one message's `log_ids` (MAX_LOG_IDS); more make several replies
 *   (`part`), so every log id is reported by exactly one of them;
 * - `overflow`: a reply in an alert's thread listing log ids its message could not
 *   hold (an alert of more than MAX_LOG_IDS events; `part` ≥ 2, the alert is part 1).
 *   Its row is the alert's, which stays pending until its last part is posted (each part's
 *   progress is recorded): a row some of whose parts were posted before a crash or a
 *   failure brings only the parts still owed, without its alert;
 * - `digest`: many rows of one rule collapsed during a flood (one channel message).
 *   Its log ids fill at most one message's metadata too: rows beyond them are
 *   parts 2…n, replies in the digest's thread (`part`; all parts share `digestId`).
 */
export type WorkItem =
  | { kind: 'alert'; rows: [OutboxRow] }
  | { kind: 'repeats'; incident: string; rows: OutboxRow[]; part?: MessagePart }
  | { kind: 'overflow'; incident: string; rows: [OutboxRow]; part: MessagePart }
  | { kind: 'digest'; ruleId: string; tenant: string; digestId: string; rows: OutboxRow[]; part?: MessagePart; covers?: OutboxRow[] };

export interface CollapseOptions {
  /** More would-be channel messages than this in one channel → digests. */
  digestAbove: number;
  /** Whether an incident already has a message to reply under (its repeats are thread replies, never digested). */
  threaded: (incident: string) => boolean;
}

/**
 * Stage: rows of one channel (queue order) → work items (queue order of their first row).
 * Repeats of one incident batch into one reply — several when their log ids do
 * not fit one message's metadata (a cut list would leave ids never reported). In a flood — more
 * would-be channel messages than `digestAbove` — the channel-message items of a
 * rule (of one tenant: a digest never mixes tenants) that has more than one
 * become one digest; replies in existing threads
 * stay replies (they never notify the channel).
 */
export function collapse(rows: readonly OutboxRow[], options: CollapseOptions): WorkItem[] {
  const items = batchRepeats(rows);
  // Repeats are a channel message only when nothing before them in this batch opens their
  // incident's thread (its alert, or an earlier reply part posted standalone).
  const opened = new Set<string>();
  const channelMessages = new Set<WorkItem>();
  for (const item of items) {
    const incident = item.rows[0]!.incident;
    // An alert's later part is a reply under its message, also when that message went out in an earlier drain.
    if (item.kind === 'alert' || (item.kind !== 'overflow' && !options.threaded(incident) && !opened.has(incident))) channelMessages.add(item);
    opened.add(incident);
  }
  const isChannelMessage = (item: WorkItem) => channelMessages.has(item);
  const channelItems = items.filter(isChannelMessage);
  if (channelItems.length <= options.digestAbove) return items;

  // An alert whose log ids fill several messages keeps its own thread: a digest part takes rows only whole.
  const digestible = (item: WorkItem) => isChannelMessage(item) && !(item.kind === 'alert' && alertMessageCount(item.rows[0]!.alert) > 1);
  const digestKey = (item: WorkItem) => JSON.stringify([item.rows[0]!.tenant, item.rows[0]!.ruleId]);
  const byRule = new Map<string, WorkItem[]>();
  for (const item of channelItems.filter(digestible)) {
    const key = digestKey(item);
    byRule.set(key, [...(byRule.get(key) ?? []), item]);
  }
  const out: WorkItem[] = [];
  const emitted = new Set<string>();
  for (const item of items) {
    if (!digestible(item)) {
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
    out.push(...digestParts(ofRule.flatMap((each) => each.rows).sort((a, b) => a.id - b.id)));
  }
  return out;
}

/**
 * One digest of a rule's rows: the channel message takes the first rows whose
 * log ids fit one message (its text still tells of them all: `covers`); the
 * rest follow as replies in its thread, each within MAX_LOG_IDS — a cut list
 * would leave log ids no message reports.
 */
function digestParts(rows: OutboxRow[]): Extract<WorkItem, { kind: 'digest' }>[] {
  const first = rows[0]!;
  const digestId = `digest:${first.ruleId}:${first.id}-${rows[rows.length - 1]!.id}`;
  const chunks: OutboxRow[][] = [];
  let ids = new Set<string>();
  for (const row of rows) {
    const chunk = chunks.at(-1);
    // A row carries at most MAX_LOG_IDS itself (the engine's bound); a part takes it only whole.
    if (chunk && unionSize(ids, row.alert.logIds) <= MAX_LOG_IDS) chunk.push(row);
    else {
      chunks.push([row]);
      ids = new Set();
    }
    for (const id of row.alert.logIds) ids.add(id);
  }
  return chunks.map((chunk, index) => ({
    kind: 'digest' as const,
    ruleId: first.ruleId,
    tenant: first.tenant,
    digestId,
    rows: chunk,
    ...(chunks.length > 1 ? { part: { index: index + 1, of: chunks.length } } : {}),
    ...(index === 0 && chunks.length > 1 ? { covers: rows } : {}),
  }));
}

function batchRepeats(rows: readonly OutboxRow[]): WorkItem[] {
  const items: WorkItem[] = [];
  /** Each incident's batch still taking rows, and the log ids it reports so far. */
  const open = new Map<string, { item: Extract<WorkItem, { kind: 'repeats' }>; logIds: Set<string> }>();
  const parts = new Map<string, Extract<WorkItem, { kind: 'repeats' }>[]>();
  for (const row of rows) {
    if (row.kind === 'alert') {
      // Parts Slack already accepted are never posted again: the row resumes with the next one.
      if (row.partsPosted === 0) items.push({ kind: 'alert', rows: [row] });
      const of = alertMessageCount(row.alert);
      for (let index = Math.max(2, row.partsPosted + 1); index <= of; index++) items.push({ kind: 'overflow', incident: row.incident, rows: [row], part: { index, of } });
      continue;
    }
    const batch = open.get(row.incident);
    // A row carries at most MAX_LOG_IDS itself (the engine's bound); a batch takes it only whole.
    if (batch && unionSize(batch.logIds, row.alert.logIds) <= MAX_LOG_IDS) {
      batch.item.rows.push(row);
      for (const id of row.alert.logIds) batch.logIds.add(id);
      continue;
    }
    const item: Extract<WorkItem, { kind: 'repeats' }> = { kind: 'repeats', incident: row.incident, rows: [row] };
    open.set(row.incident, { item, logIds: new Set(row.alert.logIds) });
    parts.set(row.incident, [...(parts.get(row.incident) ?? []), item]);
    items.push(item);
  }
  for (const ofIncident of parts.values()) {
    if (ofIncident.length > 1) ofIncident.forEach((item, index) => (item.part = { index: index + 1, of: ofIncident.length }));
  }
  return items;
}

function unionSize(ids: ReadonlySet<string>, more: readonly string[]): number {
  let size = ids.size;
  for (const id of more) if (!ids.has(id)) size += 1;
  return size;
}
