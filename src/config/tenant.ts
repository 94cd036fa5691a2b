import { dashboardFor, type Auth0Domain, type DashboardLocation } from './domain.js';

/** One Auth0 tenant the bot watches. */
export interface TenantConfig {
  /** Key of the tenant's rows in the state database (the name, or the domain's host). */
  key: string;
  domain: Auth0Domain;
  clientId: string;
  clientSecret: string;
  audience: string;
  /** Channel for alerts whose rule names none; falls back to ALERT_CHANNEL. */
  defaultChannel?: string;
  /** Enables the "View in Auth0" link; unknown for custom domains unless configured. */
  dashboard?: DashboardLocation;
  /**
   * The Authorization Token of the tenant's Auth0 log stream (its own
   * `log_stream_token` in TENANTS_FILE, else LOG_STREAM_TOKEN); unset: the
   * tenant's log-stream endpoint answers 404.
   */
  logStreamToken?: string;
}

export interface TenantInput {
  key: string;
  domain: Auth0Domain;
  clientId: string;
  clientSecret: string;
  audience?: string;
  defaultChannel?: string;
  dashboardRegion?: string;
  dashboardTenant?: string;
  logStreamToken?: string;
}

/** Fills a tenant's derived values: audience and dashboard location. */
export function buildTenant(input: TenantInput): TenantConfig {
  const configured =
    input.dashboardRegion && input.dashboardTenant
      ? { region: input.dashboardRegion, tenant: input.dashboardTenant }
      : undefined;
  return {
    key: input.key,
    domain: input.domain,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    audience: input.audience ?? `${input.domain.baseUrl}/api/v2/`,
    defaultChannel: input.defaultChannel,
    dashboard: configured ?? dashboardFor(input.domain),
    ...(input.logStreamToken ? { logStreamToken: input.logStreamToken } : {}),
  };
}

