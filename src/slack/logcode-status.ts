import type { StateStore } from '../state/store.js';
import { context, formatChannel, listBlocks, reply, section, type LogcodeReply } from './logcode-render.js';
import { escapeEntities } from './escape.js';
import { SLACK_LIMITS, fitText } from './limits.js';
import { echo, formatAge, toDate } from './logcode-text.js';

/** Where polling stands for one tenant (the fields of the state's `TenantState`). */
export interface TenantStatus {
  tenant: string;
  lastPollAt?: Date | string | null | undefined;
  lastPollOk?: boolean | null | undefined;
  /** Safe, secret-free message of the last failure. */
  lastPollError?: string | null | undefined;
  lastSuccessAt?: Date | string | null | undefined;
  checkpoint?: string | null | undefined;
  /** Event date of the checkpoint's log: its age is how far behind the bot is. */
  checkpointDate?: Date | string | null | undefined;
}

/** What `/logcode status` reports: every tenant's polling, and the outbox (shared by all tenants). */
export interface StatusSummary {
  tenants: readonly TenantStatus[];
  outbox: {
    pending: number;
    failed: number;
    channels?: ReadonlyArray<{ channel: string; pending: number; failed: number }> | undefined;
  };
}

/**
 * `/logcode status` from the state database. Undefined before anything was recorded.
 * Wire as `status: () => readLogcodeStatus(store, config.tenants.map((t) => t.key))`; a read
 * error becomes the handler's generic apology and a log line, never a crash.
 */
export async function readLogcodeStatus(store: StateStore, tenants: readonly string[]): Promise<StatusSummary | undefined> {
  const read = await Promise.all(tenants.map((tenant) => store.readTenant(tenant)));
  const states = tenants.flatMap((tenant, index) => {
    const state = read[index];
    return state ? [{ tenant, ...state }] : [];
  });
  const channels = (await store.outboxSummary()).map((row) => ({ channel: row.channel, pending: Number(row.pending) || 0, failed: Number(row.failed) || 0 }));
  if (states.length === 0 && channels.length === 0) return undefined;
  return {
    tenants: states.map(({ tenant, lastPollAt, lastPollOk, lastPollError, lastSuccessAt, checkpoint, checkpointDate }) => ({
      tenant,
      lastPollAt,
      lastPollOk,
      lastPollError,
      lastSuccessAt,
      checkpoint,
      checkpointDate,
    })),
    outbox: {
      pending: channels.reduce((total, row) => total + row.pending, 0),
      failed: channels.reduce((total, row) => total + row.failed, 0),
      channels,
    },
  };
}

function ago(value: Date | string | null | undefined, now: Date): string {
  const date = toDate(value);
  if (!date) return 'never';
  return `${formatAge(now.getTime() - date.getTime())} ago (${date.toISOString()})`;
}

function outcomeWord(ok: boolean | null | undefined): string {
  return ok === false ? 'failed' : ok ? 'ok' : 'unknown';
}

function tenantText(status: TenantStatus, now: Date): string {
  const failure = status.lastPollOk === false && status.lastPollError ? `: ${escapeEntities(fitText(status.lastPollError, 500, 'poll error'))}` : '';
  const checkpointDate = toDate(status.checkpointDate);
  const behind = checkpointDate ? `, events up to ${formatAge(now.getTime() - checkpointDate.getTime())} old` : '';
  return [
    status.tenant ? `*Tenant:* ${escapeEntities(status.tenant)}` : '',
    `*Last poll:* ${ago(status.lastPollAt, now)} — ${outcomeWord(status.lastPollOk)}${failure}`,
    `*Last successful poll:* ${ago(status.lastSuccessAt, now)}`,
    `*Checkpoint:* ${status.checkpoint ? `\`${echo(status.checkpoint)}\`${behind}` : 'none yet'}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Blocks reserved for the outbox part; the rest may hold tenants. */
const OUTBOX_BLOCKS = 20;

export function renderStatus(status: StatusSummary | undefined, now: Date): LogcodeReply {
  if (!status) {
    return reply('Status is not available yet.', [section('Status is not available yet: the bot has not recorded a poll.')]);
  }
  const { tenants, outbox } = status;
  const tenantBlocks = SLACK_LIMITS.blocks - OUTBOX_BLOCKS;
  const blocks = tenants.slice(0, tenantBlocks).map((tenant) => section(tenantText(tenant, now)));
  if (tenants.length > tenantBlocks) blocks.push(context(`…and ${tenants.length - tenantBlocks} more tenants not shown.`));
  if (tenants.length === 0) blocks.push(section('*Last poll:* never'));
  blocks.push(section(`*Outbox:* ${outbox.pending} pending, ${outbox.failed} failed`));
  const channelLines = (outbox.channels ?? [])
    .filter((row) => row.pending > 0 || row.failed > 0)
    .map((row) => `• ${formatChannel(row.channel, undefined)}: ${row.pending} pending, ${row.failed} failed`);
  if (channelLines.length > 0) blocks.push(...listBlocks(channelLines, blocks.length));
  const polls = tenants.map((tenant) => `${tenants.length > 1 ? `${tenant.tenant}: ` : ''}last poll ${ago(tenant.lastPollAt, now)} (${outcomeWord(tenant.lastPollOk)})`);
  return reply(`${polls.join('; ') || 'No poll yet'}; outbox ${outbox.pending} pending, ${outbox.failed} failed`, blocks);
}
