/**
 * Values copied from `.env.example` and never replaced: the bot would poll a
 * tenant that does not exist and report a puzzling DNS or credentials error.
 */
const PLACEHOLDER_HOST = /^your-tenant\./i;

export function isPlaceholderDomain(host: string): boolean {
  return PLACEHOLDER_HOST.test(host);
}

export function placeholderProblem(name: string, host: string): string {
  return `${name} is still the placeholder from .env.example (${host}): put your tenant's domain (Auth0 Dashboard → Applications → your M2M app → Settings → Domain)`;
}

/**
 * Slack tokens pasted into the wrong variable: the bot token is `xoxb-…`, the
 * app-level token (Socket Mode) `xapp-…`, a user token `xoxp-…` is neither.
 */
export function slackTokenProblems(botToken: string | undefined, appToken: string | undefined): string[] {
  const bot = botToken?.trim();
  const app = appToken?.trim();
  if (bot?.startsWith('xapp-') && app?.startsWith('xoxb-')) {
    return ['SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: the bot token starts with xoxb-, the app-level token with xapp-'];
  }
  const problems: string[] = [];
  if (bot?.startsWith('xapp-')) problems.push('SLACK_BOT_TOKEN holds an app-level token (xapp-…); it needs the Bot User OAuth Token (xoxb-…, OAuth & Permissions) — the xapp- token belongs in SLACK_APP_TOKEN');
  else if (bot?.startsWith('xoxp-')) problems.push('SLACK_BOT_TOKEN holds a user token (xoxp-…); it needs the Bot User OAuth Token (xoxb-…, OAuth & Permissions)');
  if (app?.startsWith('xoxb-')) problems.push('SLACK_APP_TOKEN holds a bot token (xoxb-…); it needs an app-level token (xapp-…, Basic Information → App-Level Tokens) — the xoxb- token belongs in SLACK_BOT_TOKEN');
  return problems;
}
