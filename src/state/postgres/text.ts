/**
 * PostgreSQL text takes neither NUL nor a lone UTF-16 surrogate; SQLite takes
 * both, and values straight from log events (a log id, a profile key made of
 * event values) may hold them. Identifiers go through a reversible escape —
 * `\` → `\\`, NUL → `\0`, a lone surrogate → `\uXXXX` — so they round-trip
 * exactly and compare equal only when equal; anything Auth0 really sends
 * (digits, letters, punctuation without `\`) is stored as it is.
 */
const NEEDS_ESCAPE = /[\\\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPES = /[\\\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function toPgText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPES, (char) => (char === '\\' ? '\\\\' : char === '\u0000' ? '\\0' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export function fromPgText(stored: string): string {
  if (!stored.includes('\\')) return stored;
  return stored.replace(/\\(\\|0|u[0-9a-f]{4})/g, (_, code: string) =>
    code === '\\' ? '\\' : code === '0' ? '\u0000' : String.fromCharCode(Number.parseInt(code.slice(1), 16)),
  );
}

/** Free text (an error message, a summary): a NUL becomes U+FFFD rather than failing the write. */
export function cleanText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value;
}
