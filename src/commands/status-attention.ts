import { CONFIG_DEFAULTS } from '../config/index.js';
import { parseDuration } from '../engine/duration.js';
import { HEALTH_DEFAULTS, scheduleIntervalMs } from '../slack/health.js';
import { TOKEN_PAUSED_NOTE } from '../slack/sender-token.js';
import { needsAttention } from '../state/current-problems.js';
import type { ChannelSummary, NamedTenantState, Problem } from '../state/store.js';

/**
 * When `status` calls the bot stuck from the stored state alone — without
 * needing a problem row, which only a running bot writes: a dead process
 * leaves a last success that only grows older and alerts that stay pending.
 */
export interface StatusThresholds {
  /** A tenant whose last successful poll is older than this is stuck. */
  pollStaleAfterMs: number;
  /** A pending alert older than this is stuck (NOTICE_BACKLOG_AFTER, the backlog notice's threshold). */
  backlogAfterMs: number;
  /** A log stream delivering nothing this long while polling finds events is silent (STREAM_SILENT_AFTER, the notice's threshold). */
  streamSilentAfterMs: number;
}

/**
 * From the same variables the bot reads: a poll is stale after
 * NOTICE_POLL_FAILING_AFTER, or after three POLL_SCHEDULE periods and a minute
 * (when /healthz turns 503) if that is longer — an hourly schedule is not
 * "stuck" ten minutes after its last poll.
 */
export function statusThresholds(env: NodeJS.ProcessEnv): { thresholds: StatusThresholds } | { problems: string[] } {
  const problems: string[] = [];
  const duration = (name: 'NOTICE_POLL_FAILING_AFTER' | 'NOTICE_BACKLOG_AFTER' | 'STREAM_SILENT_AFTER', fallback: string): number => {
    const text = env[name]?.trim() || fallback;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`${name} "${text}" is not a duration like 30s, 10m, 1h or 1d`);
    return ms ?? 0;
  };
  const pollFailingAfterMs = duration('NOTICE_POLL_FAILING_AFTER', CONFIG_DEFAULTS.noticePollFailingAfter);
  const backlogAfterMs = duration('NOTICE_BACKLOG_AFTER', CONFIG_DEFAULTS.noticeBacklogAfter);
  const streamSilentAfterMs = duration('STREAM_SILENT_AFTER', CONFIG_DEFAULTS.streamSilentAfter);
  if (problems.length > 0) return { problems };
  const periodMs = scheduleIntervalMs(env.POLL_SCHEDULE?.trim() || CONFIG_DEFAULTS.pollSchedule);
  const missedPollsMs = periodMs * HEALTH_DEFAULTS.missedPolls + HEALTH_DEFAULTS.graceMs;
  return { thresholds: { pollStaleAfterMs: Math.max(pollFailingAfterMs, missedPollsMs), backlogAfterMs, streamSilentAfterMs } };
}

export interface AttentionInput {
  tenants: readonly Pick<NamedTenantState, 'tenant' | 'lastPollAt' | 'lastSuccessAt'>[];
  outbox: readonly ChannelSummary[];
  /** Problems shown by status (open ones, and recent log gaps, which are told once and need nothing more). */
  problems: readonly (Pick<Problem, 'kind' | 'summary'> & Partial<Pick<Problem, 'key'>>)[];
}

/**
 * Every reason `status` exits 1, in plain sentences: failed or dead alerts, an
 * open problem, a tenant not polled successfully for too long, alerts pending
 * for too long. Empty: all is well.
 */
export function attentionReasons(input: AttentionInput, thresholds: StatusThresholds, now: Date): string[] {
  const reasons: string[] = [];
  const nowMs = now.getTime();
  for (const tenant of input.tenants) {
    const stale = staleSince(tenant, thresholds.pollStaleAfterMs, nowMs);
    if (stale) reasons.push(`tenant ${tenant.tenant}: ${stale} (more than ${ago(thresholds.pollStaleAfterMs)}) — is the bot running, and can it reach Auth0?`);
  }
  // A dead channel's open problem already says its alerts are held, how many and why: its failed count is not said again.
  const deadChannels = new Set(input.problems.filter((problem) => problem.kind === 'dead_channel' && needsAttention(problem)).map((problem) => problem.key));
  for (const channel of input.outbox) {
    if (channel.failed > 0 && !deadChannels.has(`dead_channel:${channel.channel}`)) reasons.push(`${channel.channel}: ${channel.failed} alert(s) failed${channel.lastError ? ` — ${channel.lastError}` : ''}`);
    if (channel.dead > 0) reasons.push(`${channel.channel}: ${channel.dead} alert(s) dead (no longer retried)`);
    const oldestMs = channel.pending > 0 && channel.oldestPendingAt ? Date.parse(channel.oldestPendingAt) : Number.NaN;
    // Slack rejected the bot token: nothing can be posted, however young the alerts (said once, not also as a backlog).
    if (channel.pending > 0 && channel.pendingError?.endsWith(TOKEN_PAUSED_NOTE)) {
      reasons.push(`${channel.channel}: ${channel.pending} alert(s) pending and none can be posted — ${channel.pendingError}`);
    } else if (nowMs - oldestMs > thresholds.backlogAfterMs) {
      reasons.push(
        `${channel.channel}: ${channel.pending} alert(s) pending, the oldest for ${ago(nowMs - oldestMs)} (more than ${ago(thresholds.backlogAfterMs)}) — is the bot running, and can it post to Slack?`,
      );
    }
  }
  for (const problem of input.problems) if (needsAttention(problem)) reasons.push(`${problem.kind}: ${problem.summary}`);
  return reasons;
}

/** Why a tenant's polling looks stuck, or undefined. A tenant never polled yet is not judged. */
function staleSince(tenant: AttentionInput['tenants'][number], afterMs: number, nowMs: number): string | undefined {
  const success = tenant.lastSuccessAt ? Date.parse(tenant.lastSuccessAt) : Number.NaN;
  if (!Number.isNaN(success)) return nowMs - success > afterMs ? `no successful poll for ${ago(nowMs - success)}` : undefined;
  const polled = tenant.lastPollAt ? Date.parse(tenant.lastPollAt) : Number.NaN;
  if (!Number.isNaN(polled) && nowMs - polled > afterMs) return `no successful poll ever, the last attempt ${ago(nowMs - polled)} ago`;
  return undefined;
}

function ago(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}
