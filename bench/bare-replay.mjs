// The baseline of the replay bench: read an NDJSON file as a stream, split it
// into lines and JSON.parse each one, nothing else — the least any replay must do.
// Plain JavaScript so that its start-up costs the same as the CLI's.
// Usage: node bench/bare-replay.mjs <file>
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const decoder = new StringDecoder('utf8');
let pending = '';
let events = 0;
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20 })) {
  pending += decoder.write(chunk);
  let start = 0;
  for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
    const line = pending.slice(start, end);
    start = end + 1;
    if (line.trim() !== '' && JSON.parse(line)) events++;
  }
  pending = pending.slice(start);
}
if (pending.trim() !== '' && JSON.parse(pending)) events++;
process.stdout.write(`${JSON.stringify({ events })}\n`);
