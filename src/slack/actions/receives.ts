/**
 * Whether a Slack app will receive clicks: Socket Mode (SLACK_APP_TOKEN) or
 * HTTP mode (SLACK_SIGNING_SECRET), and a long-running `run` (not `--once`).
 * Only then do messages carry Acknowledge / Resolve / Mute — never a button
 * nobody answers. (The same modes as `slackAppMode`, without loading Bolt.)
 */
export function receivesActions(slack: { appToken?: string | undefined; signingSecret?: string | undefined }, once: boolean): boolean {
  return !once && !!(slack.appToken || slack.signingSecret);
}
