import { parseAuth0Domain } from './domain.js';
import type { Env } from './env-schema.js';
import { isPlaceholderDomain, placeholderProblem } from './placeholders.js';
import { buildTenant, type TenantConfig } from './tenant.js';

/** The single tenant of AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET (without TENANTS_FILE); problems go to `problems`. */
export function envTenant(env: Env, requireAuth0: boolean, problems: string[]): TenantConfig[] {
  const anyAuth0 = env.AUTH0_DOMAIN || env.AUTH0_CLIENT_ID || env.AUTH0_CLIENT_SECRET;
  if (!requireAuth0 && !anyAuth0) return [];
  const missing = (['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET'] as const).filter((name) => !env[name]);
  for (const name of missing) problems.push(`${name} is missing`);
  if (!env.AUTH0_DOMAIN) return [];
  const domain = parseAuth0Domain(env.AUTH0_DOMAIN);
  if ('problem' in domain) {
    problems.push(domain.problem);
    return [];
  }
  if (isPlaceholderDomain(domain.host)) {
    problems.push(placeholderProblem('AUTH0_DOMAIN', domain.host));
    return [];
  }
  if (missing.length > 0) return [];
  return [
    buildTenant({
      key: domain.host,
      domain,
      clientId: env.AUTH0_CLIENT_ID!,
      clientSecret: env.AUTH0_CLIENT_SECRET!,
      audience: env.AUTH0_AUDIENCE,
      dashboardRegion: env.AUTH0_DASHBOARD_REGION,
      dashboardTenant: env.AUTH0_DASHBOARD_TENANT,
      logStreamToken: env.LOG_STREAM_TOKEN,
    }),
  ];
}
