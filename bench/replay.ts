import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLogId } from '../test/e2e/standins/auth0.js';
import { REPO_ROOT } from '../test/helpers/e2e-harness.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';
import { runMeasured } from './measure.js';

export interface ReplayResult {
  events: number;
  megabytes: number;
  replaySeconds: number;
  bareSeconds: number;
  ratio: number;
  replayPeakRssMb: number;
  barePeakRssMb: number;
  /** Replay of a much larger file in the same run: memory must not follow the file's size. */
  large?: { events: number; megabytes: number; seconds: number; peakRssMb: number; arraySeconds: number; arrayPeakRssMb: number };
}

/**
 * Writes `total` events of realistic traffic (steady logins and failures,
 * breached passwords, a credential-stuffing burst every 10,000 events) as
 * NDJSON, or as one JSON array, without holding them in memory.
 */
async function writeTraffic(file: string, total: number, format: 'ndjson' | 'array'): Promise<number> {
  const out = createWriteStream(file);
  const traffic = new TrafficGenerator({ seed: 11 });
  let written = 0;
  let bytes = 0;
  const put = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  if (format === 'array') await put('[\n');
  while (written < total) {
    const chunk = [...traffic.steady(9_500, 5), ...traffic.stuffing({ ips: ['203.0.113.7', '203.0.113.8'], users: 300, events: 500 })];
    let text = '';
    for (const event of chunk.slice(0, total - written)) {
      const line = JSON.stringify({ ...event, log_id: makeLogId(Date.parse(event.date), written + 1) });
      text += format === 'array' ? `${written > 0 ? ',\n' : ''}${line}` : `${line}\n`;
      written += 1;
    }
    await put(text);
  }
  if (format === 'array') await put('\n]\n');
  out.end();
  await once(out, 'finish');
  return bytes / 1_048_576;
}

/** `replay` of the built CLI (default rules, --json to a pipe) against the bare loop, on the same file. */
export async function benchReplay(total = 200_000, large = 1_000_000): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-replay-bench-'));
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const replay = (file: string) => runMeasured([cli, 'replay', file, '--json'], { HOME: dir }, dir);
  const check = (what: string, run: { code: number | null; output: string }, events: number) => {
    if (run.code !== 0 || !run.output.includes(`replay: ${events} event(s)`)) throw new Error(`${what} failed (exit ${run.code}):\n${run.output.slice(-2000)}`);
  };
  try {
    const file = join(dir, 'events.ndjson');
    const megabytes = await writeTraffic(file, total, 'ndjson');
    const bare = await runMeasured([join(REPO_ROOT, 'bench', 'bare-replay.mjs'), file], {}, dir);
    if (bare.code !== 0 || !bare.output.includes(`"events":${total}`)) throw new Error(`bare loop failed:\n${bare.output}`);
    const run = await replay(file);
    check('replay', run, total);
    const result: ReplayResult = {
      events: total,
      megabytes,
      replaySeconds: run.ms / 1000,
      bareSeconds: bare.ms / 1000,
      ratio: run.ms / bare.ms,
      replayPeakRssMb: run.peakRssMb,
      barePeakRssMb: bare.peakRssMb,
    };
    rmSync(file);
    if (large > 0) {
      const big = join(dir, 'large.ndjson');
      const bigMegabytes = await writeTraffic(big, large, 'ndjson');
      const bigRun = await replay(big);
      check('large replay', bigRun, large);
      rmSync(big);
      const array = join(dir, 'large.json');
      await writeTraffic(array, large, 'array');
      const arrayRun = await replay(array);
      check('large array replay', arrayRun, large);
      result.large = {
        events: large,
        megabytes: bigMegabytes,
        seconds: bigRun.ms / 1000,
        peakRssMb: bigRun.peakRssMb,
        arraySeconds: arrayRun.ms / 1000,
        arrayPeakRssMb: arrayRun.peakRssMb,
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
