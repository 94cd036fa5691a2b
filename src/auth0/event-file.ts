import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import { ArrayElements } from './array-elements.js';
import { parseLogEvent, type LogEvent } from './log-event.js';

/** One item of an event file: a valid event, or what was skipped and why (by index or line). Items come in arrays, one per chunk read. */
export type EventFileItem = { event: LogEvent } | { skipped: string };

/**
 * Reads a file of Auth0 log events as exported — a JSON array (as
 * `GET /api/v2/logs` returns a page) or NDJSON (one event per line) — one
 * event at a time: memory stays flat however large the file. Malformed events
 * are yielded as `skipped` and never stop the read.
 *
 * Throws a UsageError when the input is not event data at all (not one line is
 * JSON: "0 events, 0 alerts" would read as "all quiet"), or when a JSON array
 * is cut short or broken (an interrupted export): the events before the break
 * have been yielded by then.
 */
export async function* readEventFile(input: AsyncIterable<Buffer | string>): AsyncGenerator<EventFileItem[]> {
  const decoder = new StringDecoder('utf8');
  const chunks = input[Symbol.asyncIterator]();
  // The first non-blank character tells the format.
  let head = '';
  for (;;) {
    const next = await chunks.next();
    if (next.done) {
      head += decoder.end();
      break;
    }
    head += typeof next.value === 'string' ? next.value : decoder.write(next.value);
    if (/\S/.test(head)) break;
  }
  head = head.replace(/^\uFEFF/, '');
  const rest: AsyncIterable<string> = {
    [Symbol.asyncIterator]: async function* () {
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        yield typeof next.value === 'string' ? next.value : decoder.write(next.value);
      }
      const tail = decoder.end();
      if (tail) yield tail;
    },
  };
  if (head.trimStart().startsWith('[')) yield* readArray(head, rest);
  else yield* readLines(head, rest);
}

/** NDJSON, line by line; blank lines are ignored. */
async function* readLines(head: string, rest: AsyncIterable<string>): AsyncGenerator<EventFileItem[]> {
  let pending = head;
  let lineNumber = 0;
  let nonBlank = 0;
  let jsonLines = 0;
  function completeLines(final: boolean): EventFileItem[] {
    const items: EventFileItem[] = [];
    let start = 0;
    for (;;) {
      const end = pending.indexOf('\n', start);
      if (end < 0 && (!final || start >= pending.length)) break;
      const stop = end < 0 ? pending.length : end;
      const line = pending.slice(start, stop);
      start = stop + 1;
      lineNumber += 1;
      if (line.trim() === '') continue;
      nonBlank += 1;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        items.push({ skipped: `line ${lineNumber}: not valid JSON` });
        continue;
      }
      jsonLines += 1;
      items.push(item(raw, 'line', lineNumber));
    }
    pending = pending.slice(Math.min(start, pending.length));
    return items;
  }
  yield completeLines(false);
  for await (const chunk of rest) {
    pending += chunk;
    yield completeLines(false);
  }
  yield completeLines(true);
  if (nonBlank > 0 && jsonLines === 0) throw new UsageError('the input is neither a JSON array nor NDJSON: no line is valid JSON');
}

/** A JSON array, element by element: each element's text (ArrayElements) parsed on its own. */
async function* readArray(head: string, rest: AsyncIterable<string>): AsyncGenerator<EventFileItem[]> {
  const elements = new ArrayElements();
  let count = 0;
  let ready: EventFileItem[] = [];
  const parse = (text: string) => {
    const raw: unknown = JSON.parse(text); // a syntax error breaks the array, as it would break JSON.parse of the whole file
    ready.push(item(raw, '#', count));
    count += 1;
  };
  /** The items the text completes; on a syntax error, those before it, then the error. */
  const feed = function* (text: string): Generator<EventFileItem[]> {
    let failure: unknown;
    try {
      elements.write(text, parse);
    } catch (error) {
      failure = error;
    }
    const items = ready;
    ready = [];
    yield items;
    if (failure !== undefined) throw broken(count, failure);
  };
  yield* feed(head);
  for await (const chunk of rest) yield* feed(chunk);
  if (!elements.closed) throw broken(count, new Error('the closing ] is missing'));
}

function broken(count: number, error: unknown): UsageError {
  const reason = (error as Error).message.split('\n')[0];
  return new UsageError(
    `the input is neither a JSON array nor NDJSON: not a valid JSON array (${reason}) — ${count} event(s) read before that point; an interrupted export?`,
  );
}

/** `where` is built only for a skipped event: the hot path allocates no message. */
function item(raw: unknown, kind: 'line' | '#', position: number): EventFileItem {
  const parsed = parseLogEvent(raw);
  if (parsed.ok) return { event: parsed.event };
  return { skipped: `${kind === 'line' ? `event on line ${position}` : `event #${position}`}: ${parsed.problem}` };
}
