import type { Alert } from '../../src/engine/alert.js';
import type { Catalog, CatalogEntry } from '../../src/catalog/types.js';
import { checkBlocks, MAX_TEXT_LENGTH } from '../e2e/standins/slack-limits.js';

/** A tiny catalog for formatter tests that must not depend on the real data file. */
export function fakeCatalog(entries: Partial<CatalogEntry>[] = DEFAULT_ENTRIES): Catalog {
  const full = entries.map(
    (entry): CatalogEntry => ({
      code: entry.code!,
      name: entry.name ?? entry.code!,
      description: entry.description ?? '',
      category: entry.category ?? 'login failure',
      outcome: entry.outcome ?? 'failure',
      severity: entry.severity ?? 'high',
      docsUrl: entry.docsUrl ?? null,
      legacy: false,
      privateCloudOnly: false,
      sourceCategories: [],
      keywords: entry.keywords ?? [],
    }),
  );
  const byCode = new Map(full.map((entry) => [entry.code, entry]));
  return {
    get: (query) => byCode.get(query.trim().toLowerCase()),
    all: () => full,
    search: () => [],
    suggest: () => [],
  };
}

const DEFAULT_ENTRIES: Partial<CatalogEntry>[] = [
  { code: 'pwd_leak', name: 'Breached password', docsUrl: 'https://auth0.com/docs/secure/attack-protection/breached-password-detection' },
  { code: 'fp', name: 'Failed Login (Incorrect Password)', docsUrl: 'https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes' },
  { code: 'limit_mu', name: 'Blocked IP Address' },
];

let sequence = 0;

/** A valid alert; tests override what they look at. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  sequence += 1;
  const logId = `90020240101000000000000000000000000000000000000000${String(sequence).padStart(6, '0')}`;
  return {
    kind: 'alert',
    reason: 'matched',
    ruleId: 'breached-password',
    title: 'Breached password for alice@example.com',
    ruleDescription: 'A user logged in with a password found in a breach.',
    severity: 'critical',
    incident: `breached-password:${sequence}`,
    group: { user_name: 'alice@example.com', ip: '203.0.113.7' },
    logIds: [logId],
    count: 1,
    firstDate: '2024-01-01T00:00:00.000Z',
    lastDate: '2024-01-01T00:00:00.000Z',
    event: {
      log_id: logId,
      date: '2024-01-01T00:00:00.000Z',
      type: 'pwd_leak',
      description: 'Breached password',
      ip: '203.0.113.7',
      user_id: 'auth0|alice',
      user_name: 'alice@example.com',
      client_name: 'Web App',
      connection: 'Username-Password-Authentication',
      location_info: { country_name: 'Germany', city_name: 'Berlin' },
    },
    suppressed: 0,
    incidentCount: 1,
    // A critical rule says @here unless it opts out; fixtures opt out, tests of mentions say which they want.
    mention: 'none',
    ...overrides,
  };
}

/**
 * Every Block Kit limit the formatter promises, as a list of violations (empty = fine): the
 * Slack stand-in's own checker, whose limits are Slack's documented numbers (never the
 * constants the formatter cuts to), plus what a security alert needs on top — a fallback
 * text for the notification and link buttons that only open https URLs.
 */
export function blockKitViolations(message: { text: string; blocks: unknown[] }): string[] {
  const problems = checkBlocks(message.blocks);
  if (!message.text) problems.push('no fallback text');
  if ((message.text ?? '').length > MAX_TEXT_LENGTH) problems.push('fallback text too long');
  for (const [index, raw] of message.blocks.entries()) {
    const block = raw as { type: string; elements?: Array<{ url?: unknown }> };
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) {
      if (element.url !== undefined && !/^https:\/\//.test(String(element.url))) problems.push(`block ${index} (actions): url not https`);
    }
  }
  return problems;
}

/** Every text object of a message (or any value), with its type; metadata left out. */
export function messageTexts(value: unknown, out: { type: string; text: string }[] = []): { type: string; text: string }[] {
  if (Array.isArray(value)) value.forEach((item) => messageTexts(item, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.text === 'string') out.push({ type: String(record.type ?? 'mrkdwn'), text: record.text });
    for (const [key, child] of Object.entries(record)) if (key !== 'metadata') messageTexts(child, out);
  }
  return out;
}

/**
 * mrkdwn texts of a message that would come alive in Slack: a mention other than our own
 * `<!date^…>` token, a link, a user or channel reference, or formatting around the test
 * strings `x`, `i`, `s`, `c` (escaped ones carry a zero-width space). Empty = inert.
 */
export function liveMrkdwn(message: unknown): string[] {
  return messageTexts(message)
    .filter(({ type }) => type !== 'plain_text') // shown literally by Slack
    .map(({ text }) => text)
    .filter(
      (text) =>
        /<!(?!date\^)/.test(text) ||
        /<@|<#|<http|https?:\/\//.test(text) ||
        /(^|[^\u200B])[*_~`](x|i|s|c)[*_~`]/.test(text) ||
        /@(channel|here)/.test(text),
    );
}
