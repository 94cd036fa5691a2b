import { currentProblems } from '../state/current-problems.js';
import type { ProblemKind, StateStore } from '../state/store.js';
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

/** A problem the bot found with itself, as the `status` command lists it. */
export interface ProblemStatus {
  kind: ProblemKind;
  tenant?: string | null | undefined;
  /** The stored sentence (may quote configuration or Auth0 / Slack errors: escaped when shown). */
  summary: string;
  openedAt: string;
}

/** One channel's outbox; `dead`: failed for good (no longer retried), kept until pruned. */
export interface ChannelStatus {
  channel: string;
  pending: number;
  failed: number;
  dead?: number | undefined;
  /** The latest error of a failed or dead row. */
  lastError?: string | null | undefined;
}

/**
 * What `/logcode status` reports: every tenant's polling, the problems the bot
 * found with itself and the outbox (shared by all tenants) — what the `status`
 * command says, for someone in Slack.
 */
export interface StatusSummary {
  tenants: readonly TenantStatus[];
  /** Open problems, and the log gaps of the last week (see currentProblems). */
  problems?: readonly ProblemStatus[] | undefined;
  outbox: {
    pending: number;
    failed: number;
    dead?: number | undefined;
    channels?: readonly ChannelStatus[] | undefined;
  };
}

/**
 * `/logcode status` from the state database. Undefined before anything was recorded.
 * Wire as `status: () => readLogcodeStatus(store, config.tenants.map((t) => t.key))`; a read
 * error becomes the handler's generic apology and a log line, never a crash.
 */
export async function readLogcodeStatus(store: StateStore, tenants: readonly string[], now: Date = new Date()): Promise<StatusSummary | undefined> {
  const read = await Promise.all(tenants.map((tenant) => store.readTenant(tenant)));
  const states = tenants.flatMap((tenant, index) => {
    const state = read[index];
    return state ? [{ tenant, ...state }] : [];
  });
  const channels = (await store.outboxSummary()).map(
    (row): ChannelStatus => ({ channel: row.channel, pending: Number(row.pending) || 0, failed: Number(row.failed) || 0, dead: Number(row.dead) || 0, lastError: row.lastError }),
  );
  const problems = (await currentProblems(store, now)).map(({ kind, tenant, summary, openedAt }) => ({ kind, tenant, summary, openedAt }));
  if (states.length === 0 && channels.length === 0 && problems.length === 0) return undefined;
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
    problems,
    outbox: {
      pending: channels.reduce((total, row) => total + row.pending, 0),
      failed: channels.reduce((total, row) => total + row.failed, 0),
      dead: channels.reduce((total, row) => total + (row.dead ?? 0), 0),
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

/** Blocks reserved for the problems and the outbox; the rest may hold tenants. */
const OUTBOX_BLOCKS = 20;
/** Of those, at most this many for the problems (their list is cut with a note past it). */
const PROBLEM_BLOCKS = 8;

function problemLine(problem: ProblemStatus): string {
  const date = toDate(problem.openedAt);
  const since = date ? ` since ${date.toISOString()}` : '';
  return `• \`${problem.kind}\`${since}: ${escapeEntities(fitText(problem.summary, 500, 'problem'))}`;
}

function channelLine(row: ChannelStatus): string {
  const dead = row.dead ? `, ${row.dead} dead` : '';
  const error = (row.failed > 0 || (row.dead ?? 0) > 0) && row.lastError ? ` — last error: ${escapeEntities(fitText(row.lastError, 300, 'error'))}` : '';
  return `• ${formatChannel(row.channel, undefined)}: ${row.pending} pending, ${row.failed} failed${dead}${error}`;
}

export function renderStatus(status: StatusSummary | undefined, now: Date): LogcodeReply {
  if (!status) {
    return reply('Status is not available yet.', [section('Status is not available yet: the bot has not recorded a poll.')]);
  }
  const { tenants, outbox } = status;
  const problems = status.problems ?? [];
  const tenantBlocks = SLACK_LIMITS.blocks - OUTBOX_BLOCKS;
  const blocks = tenants.slice(0, tenantBlocks).map((tenant) => section(tenantText(tenant, now)));
  if (tenants.length > tenantBlocks) blocks.push(context(`…and ${tenants.length - tenantBlocks} more tenants not shown.`));
  if (tenants.length === 0) blocks.push(section('*Last poll:* never'));
  // The problems the bot told (or is telling) in its notices: the same list as the `status` command.
  blocks.push(section(problems.length === 0 ? '*Problems:* none' : `*Problems (${problems.length}):*`));
  if (problems.length > 0) blocks.push(...listBlocks(problems.map(problemLine), SLACK_LIMITS.blocks - PROBLEM_BLOCKS));
  const dead = outbox.dead ? `, ${outbox.dead} dead` : '';
  blocks.push(section(`*Outbox:* ${outbox.pending} pending, ${outbox.failed} failed${dead}`));
  const channelLines = (outbox.channels ?? []).filter((row) => row.pending > 0 || row.failed > 0 || (row.dead ?? 0) > 0).map(channelLine);
  if (channelLines.length > 0) blocks.push(...listBlocks(channelLines, blocks.length));
  const polls = tenants.map((tenant) => `${tenants.length > 1 ? `${tenant.tenant}: ` : ''}last poll ${ago(tenant.lastPollAt, now)} (${outcomeWord(tenant.lastPollOk)})`);
  const told = problems.length > 0 ? `; ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.map((p) => p.kind).join(', ')}` : '';
  return reply(`${polls.join('; ') || 'No poll yet'}${told}; outbox ${outbox.pending} pending, ${outbox.failed} failed${dead}`, blocks);
}
