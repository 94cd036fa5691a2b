import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../engine/duration.js';
import { plainHttpProblem } from './domain.js';

/**
 * Every environment variable the bot reads, each checked on its own, with a
 * message that names it (and never repeats a value that may be a secret).
 */
function duration(name: string) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const ms = parseDuration(value);
        if (ms === undefined) {
          ctx.addIssue({ code: 'custom', message: `${name} "${value}" is not a duration like 30s, 10m, 1h or 1d` });
          return z.NEVER;
        }
        return ms;
      }),
  );
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());

function port(name: string) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
          ctx.addIssue({ code: 'custom', message: `${name} "${value}" is not a port number (1-65535)` });
          return z.NEVER;
        }
        return n;
      }),
  );
}

export const EnvSchema = z.object({
  AUTH0_DOMAIN: optionalString,
  AUTH0_CLIENT_ID: optionalString,
  AUTH0_CLIENT_SECRET: optionalString,
  AUTH0_AUDIENCE: optionalString.refine((v) => v === undefined || URL.canParse(v), 'AUTH0_AUDIENCE is not a URL'),
  AUTH0_DASHBOARD_REGION: optionalString,
  AUTH0_DASHBOARD_TENANT: optionalString,
  TENANTS_FILE: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_RESPONDERS: optionalString.refine(
    (v) => v === undefined || v.split(/[\s,]+/).filter(Boolean).every((id) => /^[UWS][A-Z0-9]{2,}$/.test(id)),
    'SLACK_RESPONDERS must list Slack user ids (U…/W…) and user-group ids (S…), separated by commas — not names or @handles',
  ),
  SLACK_API_URL: optionalString
    .refine((v) => v === undefined || (/^https?:\/\//i.test(v) && URL.canParse(v)), 'SLACK_API_URL is not an http(s) URL')
    .superRefine((v, ctx) => {
      // The bot token travels on it.
      const problem = v !== undefined && URL.canParse(v) ? plainHttpProblem('SLACK_API_URL', new URL(v)) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ALERT_CHANNEL: optionalString,
  POLL_SCHEDULE: optionalString.refine(
    (v) => v === undefined || cron.validate(v),
    'POLL_SCHEDULE is not a valid node-cron expression (e.g. "*/30 * * * * *" for every 30 seconds)',
  ),
  STATE_DB: optionalString,
  // The message never repeats the value: a URL may carry a password.
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || (/^postgres(ql)?:\/\//i.test(v) && URL.canParse(v)),
    'DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:5432/database)',
  ),
  REPLICA_ID: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9._:@/-]{1,100}$/.test(v),
    'REPLICA_ID must be 1 to 100 letters, digits or . _ : @ / - (it names this replica in logs and status)',
  ),
  TENANT_LEASE_MS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .refine(
        (v) => v === undefined || (/^\d+$/.test(v.trim()) && Number(v) >= 1_000 && Number(v) <= 600_000),
        'TENANT_LEASE_MS must be milliseconds between 1000 and 600000 (default 15000)',
      ),
  ),
  RULES_DIR: optionalString,
  START_FROM: optionalString,
  PORT: port('PORT'),
  HEALTH_PORT: port('HEALTH_PORT'),
  LOG_STREAM_TOKEN: optionalString,
  METRICS_TOKEN: optionalString,
  NOTICE_POLL_FAILING_AFTER: duration('NOTICE_POLL_FAILING_AFTER'),
  NOTICE_BACKLOG_AFTER: duration('NOTICE_BACKLOG_AFTER'),
  AUTH0_REJECTED_RETRY: duration('AUTH0_REJECTED_RETRY'),
  STREAM_SILENT_AFTER: duration('STREAM_SILENT_AFTER'),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof blankToUndefined(v) === 'string' ? String(v).trim().toLowerCase() : undefined),
    z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  ),
});
export type Env = z.infer<typeof EnvSchema>;

/** Every environment variable the configuration reads. */
export const ENV_NAMES = Object.keys(EnvSchema.shape) as ReadonlyArray<keyof Env>;

/** Field by field: the valid values of a partly invalid environment. */
export function lenientValues(raw: Record<string, string>): Env {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(EnvSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(raw[key]);
    if (result.success) out[key] = result.data;
  }
  return out as Env;
}
