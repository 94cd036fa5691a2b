import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../log.js';

/** Whether a Slack user may acknowledge, resolve or mute (SLACK_RESPONDERS). */
export type ResponderCheck = (user: string) => Promise<boolean>;

export interface ResponderOptions {
  /** User (U…/W…) and user-group (S…) ids; empty: everyone may act. */
  responders: readonly string[];
  /** usergroups.users.list needs the `usergroups:read` scope (manifest.yml). */
  client: Pick<WebClient, 'usergroups'>;
  logger: Logger;
  /** How long a group's members are remembered. @default 60000 */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Users listed are allowed at once; for groups the members are asked from
 * Slack (cached for a minute). When Slack cannot say (a missing scope, an
 * outage), the user is refused — a security alert is not silenced on a guess —
 * and the operator is told once why.
 */
export function createResponderCheck(options: ResponderOptions): ResponderCheck {
  const users = new Set(options.responders.filter((id) => !id.startsWith('S')));
  const groups = options.responders.filter((id) => id.startsWith('S'));
  if (users.size === 0 && groups.length === 0) return async () => true;
  const cacheMs = options.cacheMs ?? 60_000;
  const now = options.now ?? Date.now;
  const members = new Map<string, { users: Set<string>; at: number }>();
  const told = new Set<string>();

  async function membersOf(group: string): Promise<Set<string>> {
    const cached = members.get(group);
    if (cached && now() - cached.at < cacheMs) return cached.users;
    try {
      const result = await options.client.usergroups.users.list({ usergroup: group });
      const fresh = new Set(result.users ?? []);
      members.set(group, { users: fresh, at: now() });
      return fresh;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      if (!told.has(`${group}:${code}`)) {
        told.add(`${group}:${code}`);
        options.logger.error(
          { usergroup: group, slackError: code },
          `cannot read the members of user group ${group} listed in SLACK_RESPONDERS (${code}); its members are refused until Slack answers — the app needs the usergroups:read scope (manifest.yml)`,
        );
      }
      return cached?.users ?? new Set();
    }
  }

  return async (user) => {
    if (users.has(user)) return true;
    for (const group of groups) if ((await membersOf(group)).has(user)) return true;
    return false;
  };
}
