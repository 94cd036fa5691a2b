import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadEnabledRuleSet, loadRuleLayers } from '../../src/engine/index.js';

const catalog = loadCatalog();
const RULE = (id: string) => `id: ${id}\nseverity: high\nmatch: { codes: [s] }\ntests:\n  - { name: fires, events: [{ event: { type: s } }], expect: { alerts: 1 } }\n  - { name: quiet, events: [{ event: { type: f } }], expect: { alerts: 0 } }\n`;

/** A rules folder holding these files (a name with a slash makes its subfolder). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rules-folder-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const relative = (dir: string, texts: readonly string[]) => texts.map((text) => text.split(`${dir}/`).join(''));

describe('files of a rules folder that would otherwise be silently misread', () => {
  it('a defaults file spelt defaults.yaml is one plain problem, not three rule-schema errors, and is not read as a rule', () => {
    const dir = folder({ 'defaults.yaml': 'disable: [rate-limits]\n', 'mine.yml': RULE('mine') });
    const loaded = loadRuleLayers({ dirs: [dir] }, catalog);
    expect(relative(dir, loaded.problems.map((problem) => problem.message))).toEqual([
      'defaults.yaml:1:1 the defaults file is read only as defaults.yml: rename defaults.yaml to defaults.yml',
    ]);
  });

  it('rule files in a subfolder are not read, and the folder says so (a warning naming the subfolder)', () => {
    const dir = folder({ 'mine.yml': RULE('mine'), 'identity/admin.yml': RULE('admin'), 'notes/readme.txt': 'x', '.git/config.yml': 'x: 1\n' });
    const loaded = loadRuleLayers({ dirs: [dir] }, catalog);
    expect(loaded.problems).toEqual([]);
    expect(loaded.rules.map((rule) => rule.id)).not.toContain('admin');
    expect(relative(dir, loaded.warnings)).toEqual([
      "identity: 1 rule file in this subfolder is not read (only the folder's own .yml files are): move it up, or add the subfolder to RULES_DIR (a:b) or pass it with another --rules",
    ]);
  });

  it('what run uses hands back the warnings that bear on the running rules — not the ones about missing tests', () => {
    const dir = folder({
      'probe.yml': 'id: probe\nseverity: high\nmatch: { codes: [s], where: { details.fooo: { equals: x } } }\n',
      'nested/x.yml': RULE('x'),
    });
    const warnings: string[] = [];
    loadEnabledRuleSet({ dirs: [dir] }, catalog, warnings);
    expect(relative(dir, warnings)).toEqual([
      "nested: 1 rule file in this subfolder is not read (only the folder's own .yml files are): move it up, or add the subfolder to RULES_DIR (a:b) or pass it with another --rules",
      "probe.yml:3:31 match.where.details.fooo: 'details.fooo' is not a details field Auth0 is known to send (details vary by event code; check a real event)",
    ]);
  });
});
