import type { SlackApiError } from '../errors.js';
import type { PendingStats, Problem } from '../state/store.js';
import { formatNotice, wholeBotTenant } from './format-notice.js';
import { THREAD_GONE } from './sender-failures.js';
import type { DrainRun } from './sender-types.js';
import type { ChannelLeases } from './sender-lease.js';
import { failureScope } from './slack-errors.js';
import type { SendOutcome } from './stages/send.js';

export interface NoticeTools {
  paced<T>(run: DrainRun, channel: string, method: string, call: () => Promise<T>, attempts?: number): Promise<SendOutcome<T> | undefined>;
  pauseForToken(run: DrainRun, error: SlackApiError): Promise<void>;
  leases: ChannelLeases;
}

const BACKLOG_KEY = 'outbox_backlog';

/** Opens the "outbox backing up" problem when the oldest pending alert is older than the threshold; resolves it once drained. */
export async function watchBacklog(run: DrainRun, stats: PendingStats, nowMs: number): Promise<void> {
  const { store, logger, backlogNoticeMs, tenants } = run.options;
  const oldestMs = stats.oldestAt ? Date.parse(stats.oldestAt) : undefined;
  const backingUp = oldestMs !== undefined && nowMs - oldestMs > backlogNoticeMs;
  if (backingUp) {
    const minutes = Math.round((nowMs - oldestMs) / 60_000);
    const summary = `${stats.count} alert(s) are waiting to be posted; the oldest has waited ${minutes} min (since ${stats.oldestAt}) — see \`auth0-log-alerts status\` for why`;
    if (await store.openProblem({ key: BACKLOG_KEY, kind: 'outbox_backlog', tenant: wholeBotTenant(tenants), summary }, new Date(nowMs))) logger.error({ pending: stats.count, oldestAt: stats.oldestAt }, summary);
  } else if (run.problems.has(BACKLOG_KEY)) {
    await store.resolveProblem(BACKLOG_KEY, new Date(nowMs));
    logger.info('the outbox is no longer backing up');
  }
}

/**
 * Posts the notices that are due: a problem's notice to its channel (else the
 * notice channel, else any channel that took a message in this process — never
 * a channel known to be dead), its "resolved" reply in the notice's thread.
 * With no working channel at all, the notice goes to the log only.
 */
export async function postNotices(run: DrainRun, tools: NoticeTools): Promise<void> {
  const { store, logger, clock, noticeChannel, poster } = run.options;
  if (run.halted) return;
  const dead = new Set([...run.problems.values()].filter((p) => p.kind === 'dead_channel' && p.resolvedAt === null).map((p) => p.key.slice('dead_channel:'.length)));
  for (const problem of await store.pendingNotices()) {
    if (run.halted || clock.now() >= run.deadlineAt) return;
    const which = problem.noticeState === 'due' ? 'open' : 'resolved';
    const candidates =
      which === 'resolved'
        ? [problem.noticeChannel!]
        : [...new Set([problem.channel, noticeChannel].filter((c): c is string => !!c && !dead.has(c) && `dead_channel:${c}` !== problem.key))];
    let outcome: 'posted' | 'later' | 'nowhere' = 'nowhere';
    for (const channel of candidates) {
      if (!(await tools.leases.acquire(channel, run))) {
        outcome = 'later';
        break;
      }
      let sent: SendOutcome<{ ts: string | null; channel: string }> | undefined;
      try {
        sent = await tools.paced(run, channel, 'chat.postMessage', () => poster.postMessage(formatNotice(problem, which, channel, new Date(clock.now()))), 3);
      } finally {
        await tools.leases.release(channel);
      }
      if (!sent) return;
      if (sent.ok) {
        await store.recordNotice(problem.key, { which, ts: sent.value.ts, channel: sent.value.channel }, new Date(clock.now()));
        run.report.notices += 1;
        logger.info({ problem: problem.key, channel, which }, which === 'open' ? `posted a notice: ${problem.summary}` : `posted "resolved" for ${problem.key}`);
        outcome = 'posted';
        break;
      }
      if (failureScope(sent.error) === 'all') {
        await tools.pauseForToken(run, sent.error);
        return;
      }
      // The notice's message was deleted (its "resolved" reply has no thread): logged only, never retried forever.
      if (failureScope(sent.error) === 'channel' || THREAD_GONE.has(sent.error.details.apiError ?? '')) continue;
      outcome = 'later';
      break;
    }
    if (outcome === 'nowhere') await logOnly(run, problem, which);
  }
}

async function logOnly(run: DrainRun, problem: Problem, which: 'open' | 'resolved'): Promise<void> {
  const { store, logger, clock } = run.options;
  await store.recordNotice(problem.key, { which, ts: null, channel: null }, new Date(clock.now()));
  if (which === 'open') logger.error({ problem: problem.key, tenant: problem.tenant }, `no working Slack channel for the notice: ${problem.summary}`);
  else logger.info({ problem: problem.key }, `resolved: ${problem.summary}`);
}
