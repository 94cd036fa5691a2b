import type { DemoCall } from './simulate.js';

/**
 * A readable terminal rendering of Block Kit messages: what a person would see
 * in Slack, close enough to judge the alert (not a Slack client).
 */
export interface RenderOptions {
  /** ANSI bold/dim when writing to a terminal. */
  color: boolean;
}

const ZWSP = /\u200B/g;

export function renderCalls(calls: readonly DemoCall[], options: RenderOptions): string {
  const byTs = new Map<string, number>();
  let index = 0;
  const parts: string[] = [];
  for (const call of calls) {
    if (call.method === 'chat.postMessage') {
      const thread = call.body.thread_ts ? byTs.get(call.body.thread_ts) : undefined;
      if (thread === undefined) {
        index += 1;
        byTs.set(call.ts, index);
      }
      const where = thread !== undefined ? `thread reply under message ${thread}` : `message ${index}`;
      parts.push(renderMessage(`${call.body.channel} · ${where}`, call.body.blocks, call.body.metadata, options, thread !== undefined));
    } else {
      const target = byTs.get(call.body.ts);
      parts.push(
        renderMessage(`${call.body.channel} · message ${target ?? '?'} updated in place (chat.update)`, call.body.blocks, call.body.metadata, options, false, true),
      );
    }
  }
  return parts.join('\n');
}

/** One message as posted to a channel or a thread (replay's Slack view), `where` naming its place. */
export function renderPosted(body: { channel: string; blocks: readonly unknown[]; metadata: Parameters<typeof renderMessage>[2] }, where: string, options: RenderOptions, reply: boolean): string {
  return renderMessage(`${body.channel} · ${where}`, body.blocks, body.metadata, options, reply);
}

interface TextObject {
  text?: string;
}

function renderMessage(
  title: string,
  blocks: readonly unknown[],
  metadata: { event_payload: { kind: string; rule_id: string; count: number; log_ids: string[] } },
  options: RenderOptions,
  reply: boolean,
  update = false,
): string {
  const indent = reply ? '    │ ' : '  ';
  const lines: string[] = [dim(`── ${title} ${'─'.repeat(Math.max(4, 60 - title.length))}`, options)];
  for (const raw of blocks) {
    const block = raw as { type: string; text?: TextObject; fields?: TextObject[]; elements?: (TextObject & { url?: string; text?: TextObject })[] };
    if (block.type === 'header') lines.push(bold(plain(block.text?.text ?? ''), options));
    if (block.type === 'section') {
      if (block.text?.text) lines.push(...mrkdwn(block.text.text, options).split('\n'));
      for (const field of block.fields ?? []) {
        const [label, ...value] = mrkdwn(field.text ?? '', options).split('\n');
        lines.push(`  ${label}: ${value.join(', ')}`);
      }
    }
    if (block.type === 'actions') {
      for (const button of block.elements ?? []) lines.push(`  [${plain((button.text as TextObject | undefined)?.text ?? '')}] ${button.url ?? ''}`);
    }
    if (block.type === 'context') {
      for (const element of block.elements ?? []) lines.push(dim(mrkdwn(String(element.text ?? ''), { color: false }), options));
    }
  }
  const meta = metadata.event_payload;
  lines.push(
    dim(`metadata: kind=${meta.kind} rule=${meta.rule_id} count=${meta.count} log_ids=${meta.log_ids.length}${update ? ' (an edit; reports nothing new)' : ''}`, options),
  );
  return lines.map((line) => indent + line).join('\n') + '\n';
}

function plain(text: string): string {
  return text.replace(ZWSP, '');
}

/** Our mrkdwn back to text: date tokens → fallback, mentions readable, our bold → ANSI, escapes undone. */
export function mrkdwn(text: string, options: RenderOptions): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, (_m, fallback: string) => fallback.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))
    .replace(/<!subteam\^([A-Z0-9]+)>/g, '@group:$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/(^|[\s(])\*(?!\u200B)([^*\n]+?)\*(?=$|[\s),.:])/gm, (_m, before: string, inner: string) => before + bold(inner, options))
    .replace(/(^|\s)_(?!\u200B)(.+?)_(?=$|\s)/gm, '$1$2')
    .replace(ZWSP, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function bold(text: string, options: RenderOptions): string {
  return options.color ? `\u001B[1m${text}\u001B[22m` : text;
}

function dim(text: string, options: RenderOptions): string {
  return options.color ? `\u001B[2m${text}\u001B[22m` : text;
}
