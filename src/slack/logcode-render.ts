import type { types } from '@slack/bolt';
import type { CatalogEntry, CatalogMatch } from '../catalog/types.js';
import { escapeEntities } from './escape.js';
import { SLACK_LIMITS, fitText } from './limits.js';
import { chunkLines, echo } from './logcode-text.js';

type KnownBlock = types.KnownBlock;

/** The slash-command answer: only the person who asked sees it. */
export interface LogcodeReply {
  response_type: 'ephemeral';
  text: string;
  blocks: KnownBlock[];
}

/**
 * What `/logcode` needs to know about a rule: a subset of the engine's `describeRule(rule)`,
 * so `rules.map(describeRule)` can be passed as is.
 */
export interface LogcodeRule {
  id: string;
  severity: string;
  enabled: boolean;
  /** Exact codes or globs (`gd_*`). */
  codes: readonly string[];
  /** "every matching event", "≥ 20 events within 5m per ip". */
  trigger: string;
  /** Undefined: the default channel. */
  channel?: string | undefined;
}

const MATCH_LINES = 10;
const CODES_PER_RULE = 12;

/**
 * Reply texts are verbatim, like the alerts': Slack auto-links nothing (a bare domain or `#name` in a
 * mute's group value came from a log event); the links we mean are explicit `<…>` tokens and still work.
 */
export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: fitText(text, SLACK_LIMITS.sectionText, 'section text'), verbatim: true } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: fitText(text, SLACK_LIMITS.sectionText, 'section text'), verbatim: true }] };
}

export function reply(text: string, blocks: KnownBlock[]): LogcodeReply {
  return { response_type: 'ephemeral', text: fitText(text, SLACK_LIMITS.fallbackText, 'fallback text'), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** Lines as section blocks, within Slack's block limits, with a note when some did not fit. */
export function listBlocks(lines: readonly string[], reserved: number): KnownBlock[] {
  const { chunks, omitted } = chunkLines(lines, SLACK_LIMITS.blocks - reserved - 1);
  const blocks = chunks.map(section);
  if (omitted > 0) blocks.push(context(`…and ${omitted} more not shown.`));
  return blocks;
}

export function formatChannel(channel: string | undefined, defaultChannel: string | undefined): string {
  const name = channel ?? defaultChannel;
  if (!name) return '_default channel (not set)_';
  // Channel ids render as links; names are configuration but still escaped.
  if (/^[CG][A-Z0-9]{6,}$/.test(name)) return `<#${name}>`;
  return escapeEntities(name.startsWith('#') ? name : `#${name}`);
}

function codeList(codes: readonly string[]): string {
  const shown = codes.slice(0, CODES_PER_RULE).map((code) => `\`${echo(code)}\``);
  const more = codes.length > CODES_PER_RULE ? ` +${codes.length - CODES_PER_RULE} more` : '';
  return `${shown.join(', ')}${more}`;
}

export function renderUsage(command: string): LogcodeReply {
  const lines = [
    `*${command}* — look up Auth0 log event codes and what this bot watches`,
    `• \`${command} fcoa\` — what a code means, and which rules alert on it`,
    `• \`${command} breached password\` — search codes by words (top ${MATCH_LINES})`,
    `• \`${command} rules\` — the enabled alert rules`,
    `• \`${command} status\` — last poll, checkpoint age, problems, pending / failed / dead alerts`,
    `• \`${command} mutes\` — active mutes; \`${command} unmute &lt;id&gt;\` ends one`,
    `• \`${command} help\` — this message`,
  ];
  return reply(`${command} usage: ${command} &lt;code | words | rules | status | help&gt;`, [section(lines.join('\n'))]);
}

export function renderEntry(entry: CatalogEntry, watchers: readonly LogcodeRule[], defaultChannel: string | undefined): LogcodeReply {
  const facts = [
    `*Category:* ${escapeEntities(entry.category)}`,
    `*Outcome:* ${escapeEntities(entry.outcome)}`,
    `*Suggested severity:* ${escapeEntities(entry.severity)}`,
  ].join('  ·  ');
  const notes = [entry.legacy ? 'legacy / deprecated feature' : '', entry.privateCloudOnly ? 'Private Cloud only' : ''].filter(Boolean);
  const docs = entry.docsUrl ? `<${entry.docsUrl}|Auth0 docs>` : '_no docs link_';
  const head = [
    `*\`${escapeEntities(entry.code)}\` — ${escapeEntities(entry.name)}*`,
    escapeEntities(entry.description),
    facts,
    `${docs}${notes.length ? `  ·  _${notes.join(', ')}_` : ''}`,
  ].join('\n');
  const watcherLines = watchers.map(
    (rule) =>
      `• \`${echo(rule.id)}\` — *${escapeEntities(rule.severity)}* → ${formatChannel(rule.channel, defaultChannel)}, ${escapeEntities(rule.trigger)}`,
  );
  const blocks: KnownBlock[] = [section(head), { type: 'divider' }];
  if (watcherLines.length === 0) blocks.push(context('No enabled rule watches this code.'));
  else blocks.push(section(`*Watched by ${watcherLines.length} enabled rule${watcherLines.length === 1 ? '' : 's'}:*`), ...listBlocks(watcherLines, 4));
  const watched = watchers.length ? ` — watched by ${watchers.map((rule) => rule.id).join(', ')}` : ' — not watched';
  return reply(`${entry.code}: ${entry.name} (${entry.category}, ${entry.outcome})${watched}`, blocks);
}

export function renderMatches(query: string, matches: readonly CatalogMatch[], command: string): LogcodeReply {
  const shown = matches.slice(0, MATCH_LINES);
  const lines = shown.map(
    ({ entry }) => `• \`${escapeEntities(entry.code)}\` — ${escapeEntities(entry.name)} _(${escapeEntities(entry.category)})_`,
  );
  const blocks = [section(`*Codes matching* \`${echo(query)}\` *(top ${shown.length}):*\n${lines.join('\n')}`)];
  blocks.push(context(`Type \`${escapeEntities(command)} &lt;code&gt;\` for the details of one code.`));
  return reply(`Codes matching: ${shown.map(({ entry }) => entry.code).join(', ')}`, blocks);
}

export function renderDidYouMean(query: string, suggestions: readonly string[], related: readonly CatalogMatch[]): LogcodeReply {
  const options = suggestions.slice(0, 3).map((code) => `\`${escapeEntities(code)}\``);
  const blocks = [section(`No code \`${echo(query)}\`. Did you mean ${options.join(' or ')}?`)];
  // A single word may also be a search term ("breached"): show those matches too.
  const others = related.filter(({ entry }) => !suggestions.includes(entry.code)).slice(0, MATCH_LINES);
  if (others.length > 0) {
    const lines = others.map(({ entry }) => `• \`${escapeEntities(entry.code)}\` — ${escapeEntities(entry.name)} _(${escapeEntities(entry.category)})_`);
    blocks.push(section(`*Codes matching* \`${echo(query)}\`*:*\n${lines.join('\n')}`));
  }
  return reply(`Did you mean ${suggestions.slice(0, 3).join(' or ')}?`, blocks);
}

export function renderNoMatch(query: string, command: string): LogcodeReply {
  return reply('No log event code matches.', [
    section(`No log event code matches \`${echo(query)}\`. Try other words, or \`${command} help\`.`),
  ]);
}

export function renderRules(rules: readonly LogcodeRule[], defaultChannel: string | undefined, command: string): LogcodeReply {
  const enabled = rules.filter((rule) => rule.enabled);
  if (enabled.length === 0) {
    return reply('No enabled rules.', [section(`No enabled rules: nothing is being alerted on. Check \`RULES_DIR\` and \`${command} status\`.`)]);
  }
  const lines = enabled.map(
    (rule) =>
      `• \`${echo(rule.id)}\` *${escapeEntities(rule.severity)}* — ${codeList(rule.codes)} — ${escapeEntities(rule.trigger)} → ${formatChannel(rule.channel, defaultChannel)}`,
  );
  const blocks = [section(`*${enabled.length} enabled rule${enabled.length === 1 ? '' : 's'}:*`), ...listBlocks(lines, 1)];
  return reply(`${enabled.length} enabled rules: ${enabled.map((rule) => rule.id).join(', ')}`, blocks);
}

export function renderFailure(): LogcodeReply {
  return reply('Sorry, that lookup failed.', [section('Sorry, that lookup failed inside the bot. The error is in its logs; try again.')]);
}
