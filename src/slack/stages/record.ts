import type { StateDb } from '../../state/db.js';
import { recordIncident } from '../../state/incidents.js';
import { markSent } from '../../state/outbox.js';
import type { Delivery } from './prepare.js';

/**
 * Stage: Slack said ok → mark the rows sent and note the incident's message, in
 * one transaction. The only window for a duplicate is between Slack's ok and
 * this commit.
 */
export function recordDelivery(db: StateDb, delivery: Delivery, posted: { ts: string; channel: string }, now: Date): void {
  db.transaction(() => {
    const { item } = delivery;
    markSent(
      db,
      item.rows.map((row) => row.id),
      posted.ts,
      now,
    );
    for (const row of item.rows) {
      // Threads live under the first message that reported the incident: an
      // alert, a digest, or a standalone repeat; replies never become parents.
      const parentTs = delivery.thread ? null : posted.ts;
      recordIncident(
        db,
        {
          incident: row.incident,
          tenant: row.tenant,
          ruleId: row.ruleId,
          channel: posted.channel,
          messageTs: parentTs,
          added: row.alert.count,
          atLeast: row.alert.incidentCount,
        },
        now,
      );
    }
  })();
}
