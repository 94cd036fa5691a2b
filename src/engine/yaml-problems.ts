import type { YAMLError } from 'yaml';

/**
 * A YAML syntax error in plain words. The yaml library speaks of its own
 * machinery ("Nested mappings are not allowed in compact mappings",
 * "please use YAML.parseAllDocuments()"), and one slip often yields several of
 * its errors: callers report the first only — the rest are usually its echo.
 *
 * `quoting: false` (TENANTS_FILE, which may hold a client secret) keeps every
 * fragment of the file out of the message: what kind of mistake, never its text.
 */
export function plainYamlProblem(error: Pick<YAMLError, 'code' | 'message'>, quoting: boolean): string {
  const message = error.message.split('\n')[0] ?? '';
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'a tab indents this line: YAML indents with spaces only';
    case 'MULTIPLE_DOCS':
      return 'a second YAML document (a --- line) in one file: one rule, or one settings mapping, per file';
    case 'DUPLICATE_KEY':
      return message; // ours (source-map.ts): names the key, never a value
    case 'BAD_ALIAS':
      return quoting ? message : 'an alias (*name) refers to no anchor (&name) set before it';
    case 'BAD_DQ_ESCAPE': {
      const escape = quoting ? /\\\S+/.exec(message)?.[0] : undefined;
      return (
        `${escape ?? 'a backslash sequence'} is not an escape YAML knows inside "double quotes": ` +
        "write a regular expression in 'single quotes' ('\\d+'), or double the backslash (\"\\\\d+\")"
      );
    }
    case 'BAD_SCALAR_START': {
      const char = quoting ? /character (\S)/.exec(message)?.[1] : undefined;
      return `a value cannot start with ${char ? `'${char}'` : 'this character'} unless it is quoted: put the value in quotes`;
    }
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'UNEXPECTED_TOKEN':
      return 'YAML cannot read this line here: check its indentation, and that a value holding ": " is quoted';
    default:
      break;
  }
  if (/quote/i.test(message)) return 'a quoted value is not closed (its closing quote is missing)';
  if (/flow map/i.test(message)) return 'a { … } is not closed: its } is missing';
  if (/flow sequence/i.test(message)) return 'a [ … ] is not closed: its ] is missing';
  if (/same column/i.test(message)) return 'the keys of one mapping must start in the same column: check the indentation';
  if (/followed by map values/i.test(message)) return 'a key without a value: each key is followed by ": " and its value';
  return quoting ? message.replace(/;\s*please use .*$/i, '') : `a YAML syntax error (${error.code})`;
}
