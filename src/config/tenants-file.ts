import { readFileSync } from 'node:fs';
import { LineCounter } from 'yaml';
import { z } from 'zod';
import { schemaProblems } from '../engine/schema-problems.js';
import { SourceMap, parseYaml, yamlToJs, type PathSegment } from '../engine/source-map.js';
import { plainYamlProblem } from '../engine/yaml-problems.js';
import { parseAuth0Domain } from './domain.js';
import { isPlaceholderDomain, placeholderProblem } from './placeholders.js';
import { MIN_SECRET_LENGTH } from '../secrets.js';
import { MIN_TOKEN_LENGTH, shortSecretWarning, shortTokenWarning } from './secret-checks.js';
import { buildTenant, type TenantConfig } from './tenant.js';

/**
 * Several tenants, one bot: TENANTS_FILE names a YAML file such as
 *
 *   tenants:
 *     - name: acme-prod
 *       domain: acme.eu.auth0.com
 *       client_id: abc123
 *       client_secret_env: ACME_PROD_SECRET   # or client_secret: … (keep the file private)
 *       channel: "#acme-alerts"
 *       log_stream_token_env: ACME_PROD_STREAM_TOKEN  # its log stream's Authorization Token (else LOG_STREAM_TOKEN)
 *
 * Secrets are best referenced by environment variable name so the file can be committed.
 */
const TenantEntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'name may only contain letters, digits, ".", "_" and "-"'),
  domain: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  client_secret_env: z.string().min(1).optional(),
  audience: z.url().optional(),
  channel: z.string().min(1).optional(),
  dashboard: z.strictObject({ region: z.string().min(1), tenant: z.string().min(1) }).optional(),
  log_stream_token: z.string().min(1).optional(),
  log_stream_token_env: z.string().min(1).optional(),
});
/** Enough to go on: a `tenants:` list (an unknown key beside it is reported by TenantsSchema, not fatal). */
const TenantsFileSchema = z.object({ tenants: z.array(z.unknown()) });
const TenantsSchema = z.strictObject({ tenants: z.array(TenantEntrySchema) });

/**
 * Reads the tenants; every problem goes to `problems` as
 * `TENANTS_FILE file:line:col key: what is wrong` — all of them in one round,
 * none quoting a value (the file may hold secrets). `defaultStreamToken`
 * (LOG_STREAM_TOKEN) is the log-stream token of tenants naming none of their own.
 * `warnings` receives, in the same form, what works but is unsafe: a tenant's
 * own log-stream token under 16 characters, a client secret under 8 (as
 * LOG_STREAM_TOKEN's and AUTH0_CLIENT_SECRET's are said; by length, never the value).
 */
export function loadTenantsFile(
  path: string,
  env: Record<string, string>,
  problems: string[],
  defaultStreamToken?: string,
  warnings: string[] = [],
): TenantConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(unreadable(path, error));
    return [];
  }
  const lines = new LineCounter();
  const doc = parseYaml(text, lines);
  const first = doc.errors[0];
  if (first) {
    // The parser's own message quotes the offending line, which may hold a client_secret: the kind of mistake only.
    // One slip is often several parser errors: the first is the one to fix.
    const { line, col } = lines.linePos(first.pos[0]);
    problems.push(`TENANTS_FILE ${path}:${line}:${col} is not valid YAML: ${plainYamlProblem(first, false)}`);
    return [];
  }
  const source = new SourceMap(path, doc, lines);
  const say = (where: readonly PathSegment[], detail: string) => problems.push(`TENANTS_FILE ${source.error(where, detail).message}`);
  const js = yamlToJs(doc);
  if (!js.ok) {
    problems.push(`TENANTS_FILE ${path}:1:1 is not valid YAML: ${js.problem}`);
    return [];
  }
  const document: unknown = js.value;
  const file = TenantsFileSchema.safeParse(document);
  if (!file.success) {
    say([], 'expected a "tenants:" list (see README, Several tenants)');
    return [];
  }
  const entries = TenantsSchema.safeParse(document);
  if (!entries.success) {
    for (const problem of schemaProblems(source, TenantsSchema, entries.error, document, { showValues: false })) {
      problems.push(`TENANTS_FILE ${problem.message}`);
    }
  }
  const tenants: TenantConfig[] = [];
  const seen = new Set<string>();
  file.data.tenants.forEach((raw, index) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['tenants', index, ...rest];
    // Names are compared even in invalid entries, so that every problem shows in one round.
    const rawName = (raw as { name?: unknown } | null)?.name;
    if (typeof rawName === 'string') {
      if (seen.has(rawName)) say(at('name'), `duplicate tenant name "${rawName}"`);
      seen.add(rawName);
    }
    // The checks below read the fields that are usable, even in an entry with an
    // unknown or mistyped key (reported above): every problem shows in one round.
    const fields = usableFields(raw);
    const domain = fields.domain === undefined ? undefined : parseAuth0Domain(fields.domain);
    if (domain && 'problem' in domain) say(at('domain'), domain.problem.replace('AUTH0_DOMAIN', 'domain'));
    else if (domain && isPlaceholderDomain(domain.host)) say(at('domain'), placeholderProblem('domain', domain.host));
    const secret = fields.client_secret_env ? env[fields.client_secret_env] : fields.client_secret;
    if (!secret) {
      if (fields.client_secret_env) say(at('client_secret_env'), `environment variable ${fields.client_secret_env} is not set`);
      else if (!hasKey(raw, 'client_secret') && !hasKey(raw, 'client_secret_env')) say(at(), 'client_secret or client_secret_env is required');
    }
    const streamToken = fields.log_stream_token_env ? env[fields.log_stream_token_env] : fields.log_stream_token;
    if (fields.log_stream_token_env && !streamToken) say(at('log_stream_token_env'), `environment variable ${fields.log_stream_token_env} is not set`);
    const entry = TenantEntrySchema.safeParse(raw);
    if (!entry.success || !domain || 'problem' in domain || !secret) return; // each reported above
    const { name, client_id, audience, channel, dashboard } = entry.data;
    const warn = (key: 'client_secret' | 'log_stream_token', detail: (what: string, length: number) => string, limit: number, value: string | undefined) => {
      if (!value || value.length >= limit) return;
      const viaEnv = entry.data[`${key}_env`];
      // Where the value is set: the file's key, or the environment variable it names.
      const what = `the ${key === 'client_secret' ? 'client secret' : 'log-stream token'} of tenant ${name}${viaEnv ? ` (environment variable ${viaEnv})` : ''}`;
      warnings.push(`TENANTS_FILE ${source.warning(at(viaEnv ? `${key}_env` : key), detail(what, value.length))}`);
    };
    warn('log_stream_token', shortTokenWarning, MIN_TOKEN_LENGTH, streamToken);
    warn('client_secret', shortSecretWarning, MIN_SECRET_LENGTH, secret);
    tenants.push(
      buildTenant({
        key: name,
        domain,
        clientId: client_id,
        clientSecret: secret,
        audience,
        defaultChannel: channel,
        dashboardRegion: dashboard?.region,
        dashboardTenant: dashboard?.tenant,
        logStreamToken: streamToken ?? defaultStreamToken,
      }),
    );
  });
  return tenants;
}

/** The entry's string fields that hold a usable value (absent or mistyped ones: undefined). */
function usableFields(raw: unknown): Partial<Record<'domain' | 'client_secret' | 'client_secret_env' | 'log_stream_token' | 'log_stream_token_env', string>> {
  const out: Partial<Record<'domain' | 'client_secret' | 'client_secret_env' | 'log_stream_token' | 'log_stream_token_env', string>> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const key of ['domain', 'client_secret', 'client_secret_env', 'log_stream_token', 'log_stream_token_env'] as const) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.length > 0) out[key] = value;
  }
  return out;
}

function hasKey(raw: unknown, key: string): boolean {
  return typeof raw === 'object' && raw !== null && key in raw;
}

function unreadable(path: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return `TENANTS_FILE ${path} does not exist`;
  return `TENANTS_FILE ${path} cannot be read${typeof code === 'string' ? ` (${code})` : ''}; check the path and its permissions`;
}
