import { SLACK_LIMITS, fitList, fitText, fitUrl, type LimitWarning } from './limits.js';
import { plainLine } from './escape.js';

/**
 * Tiny Block Kit builders. Every text passed here must already be escaped
 * (mrkdwn) or be plain text; the builders only enforce Slack's limits.
 * mrkdwn objects are `verbatim: true`: no auto-linking of URLs, channel names
 * or legacy mentions — mentions we mean are written as explicit `<!here>` tokens.
 */
export type TextObject =
  | { type: 'plain_text'; text: string; emoji: true }
  | { type: 'mrkdwn'; text: string; verbatim: true };

export type Block = Record<string, unknown> & { type: string };

export interface LinkButton {
  text: string;
  url: string | null | undefined;
  actionId: string;
}

export function mrkdwn(text: string, max: number, what: string, warn?: LimitWarning): TextObject {
  return { type: 'mrkdwn', text: fitText(text, max, what, warn), verbatim: true };
}

export function headerBlock(text: string, warn?: LimitWarning): Block {
  return {
    type: 'header',
    text: { type: 'plain_text', text: fitText(plainLine(text), SLACK_LIMITS.headerText, 'header', warn), emoji: true },
  };
}

/** What a field shows when its value is missing: such a field is left out instead (nothing to read there). */
export const NO_VALUE = '–';

/**
 * A section with text and/or up to 10 fields (fields carry `*Label*\nvalue`).
 * Fields that are undefined or have no value (`*Label*\n–`) are left out.
 */
export function sectionBlock(text: string | undefined, fields: ReadonlyArray<string | undefined>, warn?: LimitWarning): Block {
  const block: Block = { type: 'section' };
  if (text) block.text = mrkdwn(text, SLACK_LIMITS.sectionText, 'section text', warn);
  const present = fields.filter((field): field is string => field !== undefined && !field.endsWith(`\n${NO_VALUE}`));
  const kept = fitList(present, SLACK_LIMITS.fields, 'section fields', warn);
  if (kept.length > 0) block.fields = kept.map((field) => mrkdwn(field, SLACK_LIMITS.fieldText, 'field', warn));
  return block;
}

export function contextBlock(lines: readonly string[], warn?: LimitWarning): Block {
  return {
    type: 'context',
    elements: fitList(lines, SLACK_LIMITS.contextElements, 'context elements', warn).map((line) =>
      mrkdwn(line, SLACK_LIMITS.contextText, 'context text', warn),
    ),
  };
}

/** Slack allows 25 elements in an actions block. */
const MAX_ACTION_ELEMENTS = 25;

/** An actions block of these elements (undefined when there are none); `blockId` names what they act on. */
export function actionsBlock(elements: readonly Block[], blockId?: string, warn?: LimitWarning): Block | undefined {
  if (elements.length === 0) return undefined;
  const block: Block = { type: 'actions', elements: fitList(elements, MAX_ACTION_ELEMENTS, 'action elements', warn) };
  if (blockId) block.block_id = blockId;
  return block;
}

export function plainText(text: string, max: number, what: string, warn?: LimitWarning): TextObject {
  return { type: 'plain_text', text: fitText(plainLine(text), max, what, warn), emoji: true };
}

/** Link buttons; the ones without a usable URL are left out. */
export function linkButtonElements(buttons: readonly LinkButton[], warn?: LimitWarning): Block[] {
  return buttons.flatMap((button) => {
    const url = fitUrl(button.url, `button "${button.text}"`, warn);
    if (!url) return [];
    return [
      {
        type: 'button',
        action_id: button.actionId,
        text: { type: 'plain_text', text: fitText(plainLine(button.text), SLACK_LIMITS.buttonText, 'button text', warn), emoji: true },
        url,
      },
    ];
  });
}

export function dividerBlock(): Block {
  return { type: 'divider' };
}

/** At most 50 blocks; the last ones (least important) go first. */
export function fitBlocks(blocks: readonly (Block | undefined)[], warn?: LimitWarning): Block[] {
  const present = blocks.filter((block): block is Block => block !== undefined);
  return fitList(present, SLACK_LIMITS.blocks, 'blocks', warn);
}
