import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR, userRuleDirs } from '../../src/engine/index.js';

describe('userRuleDirs', () => {
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
    expect(userRuleDirs({ RULES_DIR: '/etc/alert-rules' }, folder(true))).toEqual(['/etc/alert-rules']);
  });

  it('takes several folders from RULES_DIR, separated by ":"', () => {
    expect(userRuleDirs({ RULES_DIR: '/etc/team-rules: /etc/tenant-rules' }, folder(false))).toEqual(['/etc/team-rules', '/etc/tenant-rules']);
  });

  it('takes ./rules of the working folder when there is one', () => {
    expect(userRuleDirs({}, folder(true))).toEqual(['./rules']);
  });

  it('has no folder of yours when the working folder has none: the bundled default rules alone', () => {
    expect(userRuleDirs({ RULES_DIR: ' ' }, folder(false))).toEqual([]);
    expect(existsSync(join(BUNDLED_RULES_DIR, 'breached-password.yml'))).toBe(true);
  });
});
