import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR, defaultRulesDir } from '../../src/engine/index.js';

describe('defaultRulesDir', () => {
  const made: string[] = [];
  const folder = (withRules: boolean): string => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-dir-'));
    if (withRules) mkdirSync(join(dir, 'rules'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('takes RULES_DIR when it is set', () => {
    expect(defaultRulesDir({ RULES_DIR: '/etc/alert-rules' }, folder(true))).toBe('/etc/alert-rules');
  });

  it('takes ./rules of the working folder when there is one', () => {
    expect(defaultRulesDir({}, folder(true))).toBe('./rules');
  });

  it('falls back to the bundled default rules when the working folder has none', () => {
    expect(defaultRulesDir({ RULES_DIR: ' ' }, folder(false))).toBe(BUNDLED_RULES_DIR);
    expect(existsSync(join(BUNDLED_RULES_DIR, 'breached-password.yml'))).toBe(true);
  });
});
