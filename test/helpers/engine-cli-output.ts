import { afterEach, beforeEach, vi } from 'vitest';

/** What the CLI wrote during a test; read after the command ran. */
export interface CliOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spies on process.stdout/stderr writes (call in beforeEach; `vi.restoreAllMocks()`
 * in afterEach ends it), so command tests assert on output without a child process.
 */
export function captureCliOutput(): CliOutput {
  const captured = { stdout: '', stderr: '' };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.stderr += String(chunk);
    return true;
  });
  return captured;
}

/**
 * The whole per-test setup of a command test: output captured before each test;
 * spies, stubbed env vars and the exit code reset after it. Call at module level.
 */
export function useCliOutput(): CliOutput {
  let current: CliOutput = { stdout: '', stderr: '' };
  beforeEach(() => {
    current = captureCliOutput();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = 0;
  });
  return {
    get stdout() {
      return current.stdout;
    },
    get stderr() {
      return current.stderr;
    },
  };
}
