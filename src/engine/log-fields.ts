import { closestNames, meanHint } from './suggest.js';

/**
 * The fields of an Auth0 log event, to check the field paths rules name
 * (`where`, `group_by`, `distinct`, `throttle.by`, title placeholders). A
 * misspelt field never matches and never fires: `rules check` says so first.
 *
 * Sources: the Management API log schema (`GET /api/v2/logs`: date, type,
 * description, connection, connection_id, client_id, client_name, ip, hostname,
 * user_id, user_name, audience, scope, strategy, strategy_type, log_id,
 * isMobile, details, user_agent, security_context, location_info), Auth0's
 * tenant-log event pages (tenant_name, environment_name, $event_schema,
 * auth0_client, is_mobile, identity_user_id, references, organization_*), and
 * the public samples in test/fixtures/events (_id, session_connection).
 *
 * `details` differs by event code, so paths under it are only warned about
 * when unknown; a misspelt top-level field or a wrong sub-field of a fixed
 * object (`location_info.country`) is an error.
 */

/** `null`: a single value (text, number, list); `'*'`: any sub-path; an object: these fields. */
type FieldShape = null | '*' | { readonly [name: string]: FieldShape };

const ANY = '*';

const DETAILS_FIELDS: FieldShape = {
  request: {
    method: null,
    path: null,
    channel: null,
    ip: null,
    userAgent: null,
    query: ANY,
    body: ANY,
    auth: { user: { user_id: null, email: null, name: null }, strategy: null, credentials: ANY },
  },
  response: { statusCode: null, body: ANY },
  error: { message: null, oauthError: null, type: null, payload: ANY },
  riskAssessment: { confidence: null, version: null, assessments: ANY },
  stats: { loginsCount: null },
  description: ANY,
  qs: ANY,
  query: ANY,
  body: ANY,
  actions: ANY,
  prompts: null,
  accessedSecrets: null,
  // Named by Auth0's own detection catalog (github.com/auth0/auth0-customer-detections):
  // SMS and Guardian enrollments (gd_enrollment_complete), refresh token exchanges
  // (seacft, sertft), and pre-login assessments of Bot Detection (pla).
  authenticator: { phone_number: null, type: null },
  enrollment: { identifier: null },
  familyId: null,
  requiresVerification: null,
  allowed_logout_url: null,
  code: null,
  completedAt: null,
  connection: null,
  elapsedTime: null,
  email: null,
  email_type: null,
  initiatedAt: null,
  return_to: null,
  session_connection: null,
  session_id: null,
  title: null,
  to: null,
};

export const LOG_EVENT_FIELDS: { readonly [name: string]: FieldShape } = {
  log_id: null,
  _id: null,
  date: null,
  type: null,
  description: null,
  ip: null,
  hostname: null,
  user_id: null,
  user_name: null,
  identity_user_id: null,
  client_id: null,
  client_name: null,
  connection: null,
  connection_id: null,
  strategy: null,
  strategy_type: null,
  audience: null,
  scope: null,
  user_agent: null,
  isMobile: null,
  is_mobile: null,
  session_connection: null,
  tenant_name: null,
  environment_name: null,
  organization_id: null,
  organization_name: null,
  location_info: {
    country_code: null,
    country_code3: null,
    country_name: null,
    city_name: null,
    latitude: null,
    longitude: null,
    time_zone: null,
    continent_code: null,
  },
  security_context: { ja3: null, ja4: null },
  auth0_client: { name: null, version: null, env: ANY },
  $event_schema: { version: null },
  references: ANY,
  details: DETAILS_FIELDS,
};

/** A problem with a field path; `warning` for paths under `details`, whose content varies by code. */
export interface FieldPathProblem {
  level: 'error' | 'warning';
  message: string;
}

export interface FieldCheckOptions {
  /** Names valid besides event fields here (`count`, `distinct_count` in titles; `any`, `not` in where). */
  extraNames?: readonly string[];
}

/**
 * Siblings a typo away (`lcation_info` → `location_info`), else known paths
 * ending in the typed name (`country_code` → `location_info.country_code`).
 */
function suggestion(part: string, parent: string, siblings: readonly string[], extra: readonly string[]): string {
  const full = (name: string) => (parent ? `${parent}.${name}` : name);
  const close = closestNames(part, [...siblings, ...extra]).map(full);
  const byLeaf = close.length > 0 ? [] : ALL_PATHS.filter((path) => path.endsWith(`.${part}`) && path !== full(part)).slice(0, 2);
  return meanHint([...close, ...byLeaf]);
}

/** Every known path, dotted, for suggestions (`location_info.country_code`). */
function knownPaths(shape: FieldShape, prefix: string, out: string[]): string[] {
  if (shape === null || shape === ANY) return out;
  for (const [name, child] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(path);
    knownPaths(child, path, out);
  }
  return out;
}
const ALL_PATHS = knownPaths(LOG_EVENT_FIELDS, '', []);

/**
 * Checks a field path against the Auth0 log event fields: undefined when it
 * is known, else an error (or a warning under `details`) in plain words, with
 * the closest known name. Exported for every rule key that names a field.
 */
export function checkFieldPath(path: string, options: FieldCheckOptions = {}): FieldPathProblem | undefined {
  const extra = options.extraNames ?? [];
  if (extra.includes(path)) return undefined;
  const parts = path.split('.');
  let shape: FieldShape = LOG_EVENT_FIELDS;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    const parent = parts.slice(0, index).join('.');
    if (shape === ANY) return undefined;
    const underDetails = parts[0] === 'details' && index > 0;
    if (shape === null) {
      const message = `'${parent}' is a single value in Auth0 log events; it has no field '${part}'`;
      return { level: underDetails ? 'warning' : 'error', message };
    }
    if (Object.hasOwn(shape, part)) {
      shape = shape[part] as FieldShape;
      continue;
    }
    const hint = suggestion(part, parent, Object.keys(shape), index === 0 ? extra : []);
    if (underDetails) {
      return {
        level: 'warning',
        message: `'${path}' is not a details field Auth0 is known to send (details vary by event code; check a real event)${hint}`,
      };
    }
    if (index === 0) return { level: 'error', message: `unknown field '${part}': Auth0 log events have no such field${hint}` };
    const known = hint || `: '${parent}' has ${Object.keys(shape).join(', ')}`;
    return { level: 'error', message: `unknown field '${parent}.${part}'${known}` };
  }
  return undefined;
}

