/**
 * AUTH0_DOMAIN accepts a bare host (`acme.eu.auth0.com`) or a full URL
 * (`http://127.0.0.1:4010`, for a local stand-in). Everything else derives from it.
 */
export interface Auth0Domain {
  /** Origin without trailing slash, e.g. `https://acme.eu.auth0.com`. */
  baseUrl: string;
  /** Host (with port when given), used as the default tenant key. */
  host: string;
}

export interface DashboardLocation {
  region: string;
  tenant: string;
}

const HOST_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;

/** Returns the parsed domain, or a problem sentence (never throws). */
export function parseAuth0Domain(raw: string): Auth0Domain | { problem: string } {
  const value = raw.trim();
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { problem: `AUTH0_DOMAIN "${value}" is not a valid URL` };
    }
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      return { problem: `AUTH0_DOMAIN "${url.origin}…" must be a host or an origin only (no path, query or credentials)` };
    }
    const insecure = plainHttpProblem('AUTH0_DOMAIN', url);
    if (insecure) return { problem: insecure };
    return { baseUrl: url.origin, host: url.host };
  }
  if (!HOST_PATTERN.test(value)) {
    return { problem: `AUTH0_DOMAIN "${value}" is not a host name (expected e.g. acme.eu.auth0.com or https://login.example.com)` };
  }
  return { baseUrl: `https://${value.toLowerCase()}`, host: value.toLowerCase() };
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine (tests, local stand-ins). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Credentials (the client secret, bearer and bot tokens) travel on these URLs:
 * plain http is allowed only to a loopback host. A problem sentence, or undefined.
 */
export function plainHttpProblem(variable: string, url: URL): string | undefined {
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined;
  return `${variable} "${url.origin}" uses plain http, which would send credentials in clear text: use https:// (http:// is only for loopback hosts such as 127.0.0.1 or localhost)`;
}

const AUTH0_HOSTED = /^([a-z0-9][a-z0-9-]*)(?:\.([a-z0-9-]+))?\.auth0\.com$/i;

/**
 * Where the tenant lives in the dashboard (manage.auth0.com/dashboard/{region}/{tenant}).
 * `acme.auth0.com` is the historical US region; custom domains reveal nothing.
 */
export function dashboardFor(domain: Auth0Domain): DashboardLocation | undefined {
  const host = domain.host.replace(/:\d+$/, '');
  const match = AUTH0_HOSTED.exec(host);
  if (!match) return undefined;
  return { tenant: match[1]!.toLowerCase(), region: (match[2] ?? 'us').toLowerCase() };
}
