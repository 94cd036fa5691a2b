import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The default rules shipped with the package (`rules/` beside `src/` and `dist/`). */
export const BUNDLED_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

/**
 * The user's rule folders, layered over the bundled defaults: RULES_DIR (one
 * folder, or several separated by `:`), else `./rules` when the working folder
 * has one, else none — the defaults alone, so the installed CLI (or a container
 * started in another folder) works out of the box.
 */
export function userRuleDirs(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string[] {
  const configured = (env.RULES_DIR ?? '')
    .split(delimiter)
    .map((dir) => dir.trim())
    .filter((dir) => dir !== '');
  if (configured.length > 0) return configured;
  return existsSync(join(cwd, 'rules')) ? ['./rules'] : [];
}

/** Both name the same folder (`./rules` in a checkout is the bundled folder itself). */
export function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}
