import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BotRoutes } from '../http/server.js';
import type { HealthReport } from './health.js';
import type { LogcodeDeps } from './logcode.js';
import type { IncidentActionDeps } from './actions/index.js';

/**
 * The Slack app's options: one type, its defaults in one constant, and one
 * normalizeSlackAppOptions() that checks them and picks the mode (Socket Mode
 * or HTTP mode). Loads nothing of Bolt (the manifest test reads
 * SLASH_COMMANDS from here).
 */

/** Every slash command the app registers; `manifest.yml` must declare exactly these. */
export const SLASH_COMMANDS = ['/logcode'] as const;

/** The `action_id`s of the alert's link buttons (`open_auth0_log`, `open_log_code_docs`, `open_runbook`). */
export const LINK_BUTTON_ACTIONS = /^open_/;

export interface SlackAppOptions {
  /** SLACK_BOT_TOKEN (xoxb-…). */
  botToken: string;
  /** SLACK_APP_TOKEN (xapp-…): selects Socket Mode. */
  appToken?: string | undefined;
  /** SLACK_SIGNING_SECRET: HTTP mode, used when no app token is set. */
  signingSecret?: string | undefined;
  /** SLACK_API_URL. @default "https://slack.com/api/" */
  apiUrl?: string | undefined;
  /** PORT for HTTP mode (0 picks a free port). @default 3000 */
  port?: number | undefined;
  /** Interface to listen on. @default all interfaces */
  host?: string | undefined;
  /** HEALTH_PORT: in Socket Mode, serve `GET /healthz` here; unset means no health server. */
  healthPort?: number | undefined;
  /** What `/logcode` reads (command name, logger and the responder check are filled in here). */
  logcode: Omit<LogcodeDeps, 'command' | 'logger' | 'mayAct'>;
  /** Current health; see `assessHealth`. */
  health: () => HealthReport | Promise<HealthReport>;
  /**
   * The bot's other HTTP routes (`/metrics`, `/auth0/log-stream`), served by
   * the same server: on PORT in HTTP mode; in Socket Mode on PORT when a log
   * stream is on, and `/metrics` on HEALTH_PORT too.
   */
  routes?: Pick<BotRoutes, 'metrics' | 'logStream' | 'healthDetail'>;
  logger: Logger;
  /** Acknowledge / Resolve / Mute on alert messages; without it only link buttons are acknowledged. */
  actions?: Omit<IncidentActionDeps, 'mayAct' | 'logger'> & { responders: readonly string[] };
}

export const SLACK_APP_DEFAULTS = { apiUrl: 'https://slack.com/api/', port: 3000 } as const;

export type SlackAppMode = 'socket' | 'http';

type NormalizedOptions = Omit<SlackAppOptions, 'apiUrl' | 'port'> & { apiUrl: string; port: number; mode: SlackAppMode };

/** Socket Mode when an app token is set, else HTTP when a signing secret is set, else no app. */
export function slackAppMode(options: Pick<SlackAppOptions, 'appToken' | 'signingSecret'>): SlackAppMode | undefined {
  if (options.appToken) return 'socket';
  if (options.signingSecret) return 'http';
  return undefined;
}

export function normalizeSlackAppOptions(options: SlackAppOptions): NormalizedOptions | undefined {
  const mode = slackAppMode(options);
  if (!mode) return undefined;
  const problems: string[] = [];
  if (!options.botToken) problems.push('SLACK_BOT_TOKEN is required to serve the slash command');
  if (mode === 'socket' && !options.appToken!.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-" (Basic Information → App-Level Tokens)');
  }
  const port = options.port ?? SLACK_APP_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number, got ${String(port)}`);
  const { healthPort } = options;
  if (healthPort !== undefined && (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535)) {
    problems.push(`HEALTH_PORT must be a port number, got ${String(healthPort)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...options, apiUrl: options.apiUrl || SLACK_APP_DEFAULTS.apiUrl, port, mode };
}
