/**
 * The bodies of Auth0's Custom Webhook log stream, in each of its content
 * formats (sink.httpContentFormat):
 * - JSONLINES: one item per line;
 * - JSONARRAY: one JSON array of items;
 * - JSONOBJECT: one JSON object per request, i.e. one item. (Auth0 does not
 *   document this shape further; no evidence of a wrapper such as
 *   `{"logs": [...]}` was found, so an object that is neither an item nor a log
 *   event is refused with 400 — loudly, in the stream's Health tab — rather than
 *   skipped.)
 * An item is `{"log_id": "…", "data": {…the log event…}}`, as Auth0 sends it,
 * or a bare log event (as `GET /api/v2/logs` returns it).
 */

export type StreamBody =
  | { ok: true; items: StreamItem[] }
  /** The body as a whole is unusable: 400 with this reason. */
  | { ok: false; problem: string };

export type StreamItem =
  | { ok: true; event: unknown }
  /** `where` names the item (its line or index) in the skip warning. */
  | { ok: false; where: string; problem: string };

/** Keys that make an object a log item or a log event. */
const ITEM_KEYS = ['log_id', 'data', 'type', 'date'] as const;

export function parseStreamBody(text: string): StreamBody {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, items: [] };
  const whole = tryJson(trimmed);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return { ok: true, items: whole.value.map((item, index) => unwrap(item, `item ${index}`)) };
    const value = whole.value;
    if (isObject(value)) {
      if (!ITEM_KEYS.some((key) => key in value)) {
        const keys = Object.keys(value).slice(0, 5).map((key) => JSON.stringify(key.slice(0, 40)));
        return {
          ok: false,
          problem: `a JSON object body must be one log item ({"log_id", "data"}) or one log event; this one has ${keys.length > 0 ? `the keys ${keys.join(', ')}` : 'no keys'}`,
        };
      }
      return { ok: true, items: [unwrap(value, 'the body')] };
    }
    return { ok: false, problem: `the body is JSON but neither an array, an object nor JSON Lines (${describe(whole.value)})` };
  }
  return parseJsonLines(trimmed, whole.error);
}

/** JSON Lines: a line that is not JSON is one malformed item; a body with no JSON line at all is malformed JSON. */
function parseJsonLines(text: string, wholeError: string): StreamBody {
  const items: StreamItem[] = [];
  let parsedLines = 0;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const where = `line ${index + 1}`;
    const parsed = tryJson(line);
    if (parsed.ok) {
      parsedLines += 1;
      items.push(unwrap(parsed.value, where));
    } else {
      items.push({ ok: false, where, problem: `not valid JSON (${parsed.error})` });
    }
  }
  if (parsedLines === 0) return { ok: false, problem: `the body is not valid JSON, nor JSON Lines: ${wholeError}` };
  return { ok: true, items };
}

/** `{log_id, data}` → the event (its log_id taken from the item when the event lacks one); anything else is the event itself. */
function unwrap(item: unknown, where: string): StreamItem {
  if (!isObject(item)) return { ok: false, where, problem: `not an object (${describe(item)})` };
  if (!('data' in item)) return { ok: true, event: item };
  const { data } = item;
  if (!isObject(data)) return { ok: false, where, problem: `"data" is not an object (${describe(data)})` };
  if (data.log_id === undefined && item.log_id !== undefined) return { ok: true, event: { ...data, log_id: item.log_id } };
  return { ok: true, event: data };
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    // V8 quotes a piece of the text in its message: the reason keeps only what went wrong and where.
    return { ok: false, error: (error as Error).message.replace(/,?\s*"[\s\S]*" is not valid JSON$/, '').slice(0, 120) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
