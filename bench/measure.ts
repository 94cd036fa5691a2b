import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  code: number | null;
  ms: number;
  /** Peak resident set size (VmHWM) in MB, sampled from /proc while the process ran. */
  peakRssMb: number;
  /**
   * CPU time of the process (user + system, all its threads) in seconds, as
   * last sampled (misses at most the last 20 ms): on a machine shared with
   * other work, wall time swings with the load and CPU time much less.
   */
  cpuSeconds: number;
  output: string;
}

/** VmHWM of a live process in kB, or 0 when /proc has no entry (exited, or not Linux). */
function highWaterKb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a live process in clock ticks (USER_HZ, 100 on Linux), or undefined when /proc has no entry. */
function cpuTicks(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Runs a node script as a child process and measures wall time from spawn to
 * exit and its peak RSS. VmHWM is the kernel's own high-water mark, so sampling
 * every 20 ms misses at most the growth of the last 20 ms of life.
 */
export function runMeasured(args: string[], env: Record<string, string>, cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let peakKb = 0;
    let ticks = 0;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, highWaterKb(child.pid!));
      ticks = cpuTicks(child.pid!) ?? ticks;
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      resolve({ code, ms: performance.now() - started, peakRssMb: peakKb / 1024, cpuSeconds: ticks / 100, output });
    });
  });
}
