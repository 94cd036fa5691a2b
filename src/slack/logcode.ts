import type { Catalog } from '../catalog/types.js';
import type { Logger } from '../log.js';
import { globToRegExp, isGlob } from '../engine/matchers.js';
import {
  renderDidYouMean,
  renderEntry,
  renderFailure,
  renderMatches,
  renderNoMatch,
  renderRules,
  renderUsage,
  type LogcodeReply,
  type LogcodeRule,
} from './logcode-render.js';
import { renderStatus, type StatusSummary } from './logcode-status.js';
import { renderMutes, renderUnmuted, renderUnmuteProblem } from './logcode-mutes.js';
import type { Mute } from '../state/controls.js';

export type { LogcodeReply, LogcodeRule } from './logcode-render.js';
export { readLogcodeStatus, type StatusSummary, type TenantStatus } from './logcode-status.js';

/** Everything `/logcode` reads, as narrow functions so it is testable without the engine or the database. */
export interface LogcodeDeps {
  catalog: Catalog;
  /**
   * The loaded rules, all of them (the handler filters enabled ones), e.g. `() => rules.map(describeRule)`.
   * Read on every command so reloads show.
   */
  rules: () => readonly LogcodeRule[];
  /** Poll and outbox state; undefined before the first poll. @default () => undefined */
  status?: () => Promise<StatusSummary | undefined> | StatusSummary | undefined;
  /** ALERT_CHANNEL, shown for rules without a channel. */
  defaultChannel?: string | undefined;
  /** @default () => new Date() */
  now?: () => Date;
  /** The command's name as users type it. @default "/logcode" */
  command?: string;
  /** Where an unexpected failure is recorded (the user only sees a generic apology). */
  logger?: Logger;
  /** `mutes` and `unmute <id>`; absent: those words are looked up as codes. */
  mutes?: { list: () => Promise<Mute[]>; end: (id: number, user: string) => Promise<Mute | undefined> };
  /** SLACK_RESPONDERS: who may end a mute. @default everyone */
  mayAct?: (user: string) => Promise<boolean>;
}

/** Who typed the command (Slack's user id), for actions that change state. */
export interface LogcodeCaller {
  user?: string | undefined;
}

export type LogcodeHandler = (text: string, caller?: LogcodeCaller) => Promise<LogcodeReply>;

/**
 * Queries are cut here before searching: the longest code and any sensible search fit,
 * and fuzzy search time grows with query length (200 chars cost ~0.3 s, 64 about 40 ms).
 */
const MAX_QUERY_LENGTH = 64;
const SEARCH_LIMIT = 10;

const HELP_WORDS = new Set(['', 'help', '-h', '--help', '?', 'usage']);

/**
 * Builds the `/logcode` answer for the text after the command. Pure apart from the deps;
 * never throws: any failure becomes a polite ephemeral reply and a log line.
 */
export function createLogcodeHandler(deps: LogcodeDeps): LogcodeHandler {
  const command = deps.command ?? '/logcode';
  const now = deps.now ?? (() => new Date());
  const status = deps.status ?? (() => undefined);

  return async (rawText: string, caller: LogcodeCaller = {}): Promise<LogcodeReply> => {
    try {
      const text = normalizeQuery(rawText);
      const keyword = text.toLowerCase();
      if (HELP_WORDS.has(keyword)) return renderUsage(command);
      if (keyword === 'rules') return renderRules(deps.rules(), deps.defaultChannel, command);
      if (keyword === 'status') return renderStatus(await status(), now());
      if (deps.mutes && keyword === 'mutes') return await listMutes(deps, caller, command);
      if (deps.mutes && /^unmute\b/.test(keyword)) return await unmute(deps, keyword, caller, command);

      const entry = deps.catalog.get(text);
      if (entry) {
        const watchers = deps.rules().filter((rule) => rule.enabled && rule.codes.some((pattern) => codeMatches(pattern, entry.code)));
        return renderEntry(entry, watchers, deps.defaultChannel);
      }

      const matches = deps.catalog.search(text, SEARCH_LIMIT);
      // One word that is no code is most likely a mistyped code: offer the nearest ones first.
      if (!/\s/.test(text)) {
        const suggestions = deps.catalog.suggest(text, 3);
        if (suggestions.length > 0) return renderDidYouMean(text, suggestions, matches);
      }
      if (matches.length > 0) return renderMatches(text, matches, command);
      const suggestions = deps.catalog.suggest(text, 3);
      if (suggestions.length > 0) return renderDidYouMean(text, suggestions, []);
      return renderNoMatch(text, command);
    } catch (error) {
      deps.logger?.error(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message } },
        '/logcode failed to build a reply',
      );
      return renderFailure();
    }
  };
}

/** The engine's own glob semantics, so the answer agrees with what fires. */
function codeMatches(pattern: string, code: string): boolean {
  return isGlob(pattern) ? globToRegExp(pattern).test(code) : pattern === code;
}

/** Whitespace collapsed (Slack may send tabs or newlines), length capped; never throws on odd input. */
export function normalizeQuery(rawText: unknown): string {
  const text = typeof rawText === 'string' ? rawText : '';
  return Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, MAX_QUERY_LENGTH).join('').trim();
}

/**
 * A mute names the group it silences — the user name, IP or client of an alert, from the
 * alert channel — and anyone in the workspace can type `/logcode`: with SLACK_RESPONDERS
 * set, only responders see the list (without it, everyone may act and see).
 */
async function listMutes(deps: LogcodeDeps, caller: LogcodeCaller, command: string): Promise<LogcodeReply> {
  if (!(await (deps.mayAct ?? (async () => true))(caller.user ?? ''))) {
    return renderUnmuteProblem('Only responders can list the mutes (SLACK_RESPONDERS): a mute names the users and IPs of the alerts it holds back.');
  }
  return renderMutes(await deps.mutes!.list(), command);
}

async function unmute(deps: LogcodeDeps, keyword: string, caller: LogcodeCaller, command: string): Promise<LogcodeReply> {
  const id = Number(/^unmute\s+#?(\d{1,12})$/.exec(keyword)?.[1]);
  if (!Number.isSafeInteger(id) || id <= 0) return renderUnmuteProblem(`Usage: \`${command} unmute &lt;id&gt;\` — the id is in \`${command} mutes\`.`);
  const user = caller.user ?? '';
  if (!user || !(await (deps.mayAct ?? (async () => true))(user))) {
    return renderUnmuteProblem('Only responders can end a mute (SLACK_RESPONDERS). Nothing changed.');
  }
  const ended = await deps.mutes!.end(id, user);
  return ended ? renderUnmuted(ended) : renderUnmuteProblem(`Mute ${id} is not active (it ended already, or never existed): \`${command} mutes\` lists the active ones.`);
}
