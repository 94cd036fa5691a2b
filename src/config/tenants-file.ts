import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLError } from 'yaml';
import { z } from 'zod';
import { parseAuth0Domain } from './domain.js';
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
const TenantsFileSchema = z.strictObject({ tenants: z.array(z.unknown()) });

/**
 * `defaultStreamToken` (LOG_STREAM_TOKEN) is the log-stream token of tenants
 * naming none of their own.
 */
export function loadTenantsFile(path: string, env: Record<string, string>, problems: string[], defaultStreamToken?: string): TenantConfig[] {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(unreadable(path, error));
    return [];
  }
  const file = TenantsFileSchema.safeParse(document);
  if (!file.success) {
    problems.push(`TENANTS_FILE ${path}: expected a "tenants:" list`);
    return [];
  }
  const tenants: TenantConfig[] = [];
  const seen = new Set<string>();
  file.data.tenants.forEach((raw, index) => {
    const where = `TENANTS_FILE ${path} tenants[${index}]`;
    const entry = TenantEntrySchema.safeParse(raw);
    if (!entry.success) {
      for (const issue of entry.error.issues) problems.push(`${where}.${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    const { name, domain: rawDomain, client_id, client_secret, client_secret_env, audience, channel, dashboard, log_stream_token, log_stream_token_env } =
      entry.data;
    const domain = parseAuth0Domain(rawDomain);
    if ('problem' in domain) problems.push(`${where}: ${domain.problem.replace('AUTH0_DOMAIN', 'domain')}`);
    if (seen.has(name)) problems.push(`${where}: duplicate tenant name "${name}"`);
    seen.add(name);
    const secret = client_secret_env ? env[client_secret_env] : client_secret;
    if (!secret) {
      problems.push(
        client_secret_env
          ? `${where}: environment variable ${client_secret_env} (client_secret_env) is not set`
          : `${where}: client_secret or client_secret_env is required`,
      );
    }
    const streamToken = log_stream_token_env ? env[log_stream_token_env] : log_stream_token;
    if (log_stream_token_env && !streamToken) problems.push(`${where}: environment variable ${log_stream_token_env} (log_stream_token_env) is not set`);
    if ('problem' in domain || !secret) return;
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

/**
 * The yaml library's messages quote the offending source line, which may hold a
 * client_secret: report only where the problem is and its code.
 */
function unreadable(path: string, error: unknown): string {
  if (error instanceof YAMLError) {
    const at = error.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    return `TENANTS_FILE ${path} is not valid YAML${where} (${error.code})`;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return `TENANTS_FILE ${path} does not exist`;
  return `TENANTS_FILE ${path} cannot be read${typeof code === 'string' ? ` (${code})` : ''}; check the path and its permissions`;
}
