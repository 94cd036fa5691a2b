import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadRuleFile, loadRuleLayers } from '../../src/engine/index.js';
import { loadTenantsFile } from '../../src/config/tenants-file.js';

const catalog = loadCatalog();
const messages = (text: string) => loadRuleFile('r.yml', text, catalog).problems.map((problem) => problem.message);

describe('a YAML slip in a rule file is one problem in plain words, at its line', () => {
  it.each([
    ['a second document', 'id: x\nseverity: high\n---\nid: y\n', 'r.yml:3:1 not valid YAML: a second YAML document (a --- line) in one file: one rule, or one settings mapping, per file'],
    ['a mis-indented line (the parser said it three ways)', 'id: x\n  severity: high\n', 'r.yml:1:5 not valid YAML: YAML cannot read this line here: check its indentation, and that a value holding ": " is quoted'],
    ['a regex in double quotes', 'id: x\nseverity: high\nmatch: { codes: [s], where: { ip: { regex: "^10\\.\\d+" } } }\n',
      `r.yml:3:48 not valid YAML: \\. is not an escape YAML knows inside "double quotes": write a regular expression in 'single quotes' ('\\d+'), or double the backslash ("\\\\d+")`],
    ['an unclosed flow map', 'id: x\nmatch: { codes: [s]\n', 'r.yml:3:1 not valid YAML: a { … } is not closed: its } is missing'],
    ['a tab', 'id: x\n\tseverity: high\n', 'r.yml:2:1 not valid YAML: a tab indents this line: YAML indents with spaces only'],
    ['a key twice', 'id: x\nid: y\nseverity: high\n', "r.yml:2:1 not valid YAML: the key 'id' appears twice in one mapping"],
  ])('%s', (_name, text, expected) => {
    expect(messages(text)).toEqual([expected]);
  });

  it('an alias with no anchor is located, not a crash of the whole check with the library’s words', () => {
    expect(messages('id: *foo\nseverity: high\n')).toEqual(['r.yml:1:5 not valid YAML: the alias *foo refers to no anchor &foo set before it']);
    const dir = mkdtempSync(join(tmpdir(), 'yaml-alias-'));
    writeFileSync(join(dir, 'a.yml'), 'id: *foo\nseverity: high\n');
    expect(() => loadRuleLayers({ dirs: [dir] }, catalog)).not.toThrow();
  });

  it('aliases expanding without bound are a problem of the file, not a crash', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level++) laughs.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
    expect(messages(`${laughs.join('\n')}\n`)).toEqual(['r.yml:1:1 not valid YAML: its aliases (*name) expand to too much data']);
  });
});

describe('a YAML slip in TENANTS_FILE says what kind of mistake, quoting nothing of the file', () => {
  const load = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tenants-yaml-')), 'tenants.yml');
    writeFileSync(file, text);
    const problems: string[] = [];
    loadTenantsFile(file, {}, problems);
    return problems.map((problem) => problem.replace(file, 'tenants.yml'));
  };

  it('an unclosed list: one problem, in words', () => {
    expect(load('tenants:\n  - name: a\n    domain: [x\n')).toEqual(['TENANTS_FILE tenants.yml:4:1 is not valid YAML: a [ … ] is not closed: its ] is missing']);
  });

  it('a secret with an odd escape in double quotes is not echoed', () => {
    const problems = load('tenants:\n  - name: a\n    client_secret: "s3cr\\qt"\n');
    expect(problems).toEqual([
      `TENANTS_FILE tenants.yml:3:25 is not valid YAML: a backslash sequence is not an escape YAML knows inside "double quotes": write a regular expression in 'single quotes' ('\\d+'), or double the backslash ("\\\\d+")`,
    ]);
    expect(problems.join('')).not.toContain('s3cr');
  });

  it('an alias with no anchor', () => {
    expect(load('tenants:\n  - *t\n')).toEqual(['TENANTS_FILE tenants.yml:2:5 is not valid YAML: an alias (*name) refers to no anchor (&name) set before it']);
  });
});
