import type { Alert } from '../engine/alert.js';
import type { StateDb } from './db.js';

/**
 * Queues alerts for delivery. Call inside the transaction that also stores the
 * page's checkpoint and rule state, so that both happen or neither does.
 */
export function enqueueAlerts(
  db: StateDb,
  tenant: string,
  alerts: readonly Alert[],
  defaultChannel: string,
  now: Date = new Date(),
): void {
  const insert = db.prepare(
    `INSERT INTO outbox (tenant, channel, kind, rule_id, incident, alert, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const createdAt = now.toISOString();
  for (const alert of alerts) {
    insert.run(
      tenant,
      alert.channel ?? defaultChannel,
      alert.kind,
      alert.ruleId,
      alert.incident,
      JSON.stringify(alert),
      createdAt,
    );
  }
}
