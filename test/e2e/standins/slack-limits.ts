/**
 * Block Kit limits Slack enforces on chat.postMessage / chat.update, written here from
 * Slack's reference pages — never imported from `src/slack/limits.ts`, so a formatter that
 * drifts past Slack's numbers is caught. A violation makes Slack answer `invalid_blocks`;
 * the stand-in does the same and says which limit.
 */
/** "You can include up to 50 blocks in each message" — https://api.slack.com/reference/block-kit/blocks */
export const MAX_BLOCKS = 50;
/** Header text: "Maximum length … is 150 characters" — https://docs.slack.dev/reference/block-kit/blocks/header-block */
export const MAX_HEADER_TEXT = 150;
/** Section text: "maximum length is 3000 characters" — https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_TEXT = 3000;
/** Section fields: "Maximum number of items is 10" — https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_FIELDS = 10;
/** Section fields: "Maximum length for the text in each item is 2000 characters" — same page. */
export const MAX_FIELD_TEXT = 2000;
/** Context elements: "Maximum number of items is 10" — https://docs.slack.dev/reference/block-kit/blocks/context-block */
export const MAX_CONTEXT_ELEMENTS = 10;
/** A text object: "maximum length is 3000 characters" — https://docs.slack.dev/reference/block-kit/composition-objects/text-object */
export const MAX_TEXT_OBJECT = 3000;
/** Actions: "a maximum of 25 elements in each action block" — https://api.slack.com/reference/block-kit/blocks#actions */
export const MAX_ACTIONS_ELEMENTS = 25;
/** Button text: "Maximum length … is 75 characters" — https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_TEXT = 75;
/** Button url: "Maximum length is 3000 characters" — same page. */
export const MAX_URL = 3000;
/**
 * `text` longer than this is truncated by Slack ("messages containing more than 40,000 characters")
 * — https://docs.slack.dev/reference/methods/chat.postMessage; the stand-in refuses it with msg_too_long.
 */
export const MAX_TEXT_LENGTH = 40_000;
/** `action_id` and `block_id`: "Maximum length … is 255 characters" — https://docs.slack.dev/reference/block-kit/blocks/actions-block */
export const MAX_ID = 255;
/** Option groups: "a maximum number of 100 option groups with a maximum of 100 options"; label at most 75 characters — https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object */
export const MAX_OPTION_GROUPS = 100;
export const MAX_OPTIONS = 100;
export const MAX_OPTION_GROUP_LABEL = 75;
/** Option object: text "Maximum length … is 75 characters", value "Maximum length … is 150 characters" — https://docs.slack.dev/reference/block-kit/composition-objects/option-object */
export const MAX_OPTION_TEXT = 75;
export const MAX_OPTION_VALUE = 150;
/** Select menu placeholder: "Maximum length … is 150 characters" — https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element */
export const MAX_PLACEHOLDER = 150;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined =>
  isObject(value) && typeof value.text === 'string' ? value.text : undefined;

/** Lists every limit the blocks break, as `blocks[i].path: problem`. Empty when valid. */
export function checkBlocks(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > MAX_BLOCKS) problems.push(`blocks: ${blocks.length} blocks, at most ${MAX_BLOCKS}`);
  blocks.forEach((block, index) => {
    const at = `blocks[${index}]`;
    if (!isObject(block) || typeof block.type !== 'string') {
      problems.push(`${at}: not a block`);
      return;
    }
    const tooLong = (path: string, text: string | undefined, max: number) => {
      if (text !== undefined && [...text].length > max) problems.push(`${at}.${path}: longer than ${max}`);
    };
    switch (block.type) {
      case 'header': {
        const text = textOf(block.text);
        if (text === undefined || !isObject(block.text) || block.text.type !== 'plain_text') {
          problems.push(`${at}.text: header needs plain_text`);
        }
        tooLong('text', text, MAX_HEADER_TEXT);
        break;
      }
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (block.text === undefined && fields.length === 0) problems.push(`${at}: section needs text or fields`);
        tooLong('text', textOf(block.text), MAX_SECTION_TEXT);
        if (fields.length > MAX_SECTION_FIELDS) problems.push(`${at}.fields: more than ${MAX_SECTION_FIELDS}`);
        fields.forEach((field, i) => tooLong(`fields[${i}]`, textOf(field), MAX_FIELD_TEXT));
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > MAX_CONTEXT_ELEMENTS) {
          problems.push(`${at}.elements: 1 to ${MAX_CONTEXT_ELEMENTS} elements`);
        }
        elements.forEach((element, i) => tooLong(`elements[${i}]`, textOf(element), MAX_TEXT_OBJECT));
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > MAX_ACTIONS_ELEMENTS) {
          problems.push(`${at}.elements: 1 to ${MAX_ACTIONS_ELEMENTS} elements`);
        }
        if (typeof block.block_id === 'string') tooLong('block_id', block.block_id, MAX_ID);
        elements.forEach((element, i) => {
          if (!isObject(element)) return;
          tooLong(`elements[${i}].text`, textOf(element.text), MAX_BUTTON_TEXT);
          if (typeof element.action_id === 'string') tooLong(`elements[${i}].action_id`, element.action_id, MAX_ID);
          if (typeof element.url === 'string' && element.url.length > MAX_URL) {
            problems.push(`${at}.elements[${i}].url: longer than ${MAX_URL}`);
          }
          if (element.type === 'static_select') problems.push(...selectProblems(`${at}.elements[${i}]`, element));
        });
        break;
      }
      case 'divider':
      case 'rich_text':
      case 'image':
      case 'context_actions':
        break;
      default:
        problems.push(`${at}.type: unknown block type ${block.type}`);
    }
  });
  return problems;
}

/** Message metadata needs an event_type and an event_payload object. */
export function checkMetadata(metadata: unknown): string | undefined {
  if (!isObject(metadata)) return 'metadata is not a JSON object';
  if (typeof metadata.event_type !== 'string' || metadata.event_type === '') return 'metadata.event_type missing';
  if (!isObject(metadata.event_payload)) return 'metadata.event_payload is not an object';
  return undefined;
}

/** A static_select's options or option groups, against the limits above. */
function selectProblems(at: string, select: Json): string[] {
  const problems: string[] = [];
  const length = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);
  if (length(textOf(select.placeholder)) > MAX_PLACEHOLDER) problems.push(`${at}.placeholder: longer than ${MAX_PLACEHOLDER}`);
  const groups = Array.isArray(select.option_groups) ? select.option_groups : undefined;
  const lists = groups ? groups.map((group) => (isObject(group) && Array.isArray(group.options) ? group.options : [])) : [Array.isArray(select.options) ? select.options : []];
  if (groups && (groups.length === 0 || groups.length > MAX_OPTION_GROUPS)) problems.push(`${at}.option_groups: 1 to ${MAX_OPTION_GROUPS}`);
  groups?.forEach((group, g) => {
    if (isObject(group) && length(textOf(group.label)) > MAX_OPTION_GROUP_LABEL) problems.push(`${at}.option_groups[${g}].label: longer than ${MAX_OPTION_GROUP_LABEL}`);
  });
  lists.forEach((options, g) => {
    if (options.length === 0 || options.length > MAX_OPTIONS) problems.push(`${at} options of group ${g}: 1 to ${MAX_OPTIONS}`);
    options.forEach((option, o) => {
      if (!isObject(option)) return;
      if (length(textOf(option.text)) > MAX_OPTION_TEXT) problems.push(`${at} option ${g}.${o} text: longer than ${MAX_OPTION_TEXT}`);
      if (length(option.value) > MAX_OPTION_VALUE) problems.push(`${at} option ${g}.${o} value: longer than ${MAX_OPTION_VALUE}`);
    });
  });
  return problems;
}
