import { AlertSchema, type Alert } from '../engine/alert.js';
import type { PendingRows } from './store.js';

/**
 * Reading back what a back end stored as JSON text, the same way for each:
 * a row that no longer decodes is reported, never dropped silently.
 */
export function decodeAlert(json: string): { ok: true; alert: Alert } | { ok: false; problem: string } {
  try {
    const parsed = AlertSchema.safeParse(JSON.parse(json));
    if (parsed.success) return { ok: true, alert: parsed.data };
    return { ok: false, problem: `stored alert does not match the schema: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  } catch {
    return { ok: false, problem: 'stored alert is not valid JSON' };
  }
}

/**
 * A tenant's stored rule state: undefined before its first commit (`stored`
 * false: no checkpoint and version 0). Damaged JSON must not stop alerting nor
 * /healthz and status, which read the row too: it is reported, and the poller replaces it.
 */
export function decodeRuleState(stored: boolean, json: string): { ruleState: unknown; ruleStateDamaged: boolean } {
  if (!stored) return { ruleState: undefined, ruleStateDamaged: false };
  try {
    return { ruleState: JSON.parse(json), ruleStateDamaged: false };
  } catch {
    return { ruleState: undefined, ruleStateDamaged: true };
  }
}

/** An outbox row as both back ends select it (`SELECT id, tenant, channel, kind, rule_id, incident, alert, attempts, parts_posted, message_ts`). */
export interface StoredOutboxRow {
  id: number;
  tenant: string;
  channel: string;
  kind: string;
  rule_id: string;
  incident: string;
  alert: string;
  attempts: number;
  parts_posted: number;
  message_ts: string | null;
}

/** Decodes pending rows; those whose alert no longer decodes are listed apart (the sender fails them). */
export function decodePendingRows(raw: readonly StoredOutboxRow[]): PendingRows {
  const result: PendingRows = { rows: [], unreadable: [] };
  for (const row of raw) {
    const decoded = decodeAlert(row.alert);
    if (!decoded.ok) {
      result.unreadable.push({ id: row.id, problem: decoded.problem });
      continue;
    }
    result.rows.push({
      id: row.id,
      tenant: row.tenant,
      channel: row.channel,
      kind: row.kind === 'repeat' || row.kind === 'muted' ? row.kind : 'alert',
      ruleId: row.rule_id,
      incident: row.incident,
      alert: decoded.alert,
      attempts: row.attempts,
      partsPosted: row.parts_posted,
      messageTs: row.message_ts,
    });
  }
  return result;
}
