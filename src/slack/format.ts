import type { Alert } from '../engine/alert.js';
import type { Catalog } from '../catalog/types.js';

/** The `metadata` every posted message carries (see CONTRACT.md). */
export interface AlertMetadata {
  event_type: 'auth0_log_alert';
  event_payload: {
    kind: 'alert' | 'repeat' | 'digest';
    rule_id: string;
    severity: string;
    incident: string;
    log_ids: string[];
    count: number;
    group: Record<string, string | null>;
  };
}

/** Exactly the body of `chat.postMessage` (thread_ts is added by the sender for repeats). */
export interface SlackMessage {
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: AlertMetadata;
  thread_ts?: string;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

export interface FormatContext {
  catalog: Catalog;
  /** Used when the alert's rule names no channel. */
  defaultChannel: string;
  /** Known when the tenant's region and name can be derived; enables "View in Auth0". */
  dashboard?: { region: string; tenant: string };
}

export function alertMetadata(alert: Alert): AlertMetadata {
  return {
    event_type: 'auth0_log_alert',
    event_payload: {
      kind: alert.kind,
      rule_id: alert.ruleId,
      severity: alert.severity,
      incident: alert.incident,
      log_ids: alert.logIds,
      count: alert.count,
      group: alert.group,
    },
  };
}

// Minimal placeholder: the Slack issue replaces this with the Block Kit message.
export function formatAlert(alert: Alert, context: FormatContext): SlackMessage {
  return {
    channel: alert.channel ?? context.defaultChannel,
    text: `${alert.title} (${alert.count})`,
    blocks: [],
    metadata: alertMetadata(alert),
  };
}
