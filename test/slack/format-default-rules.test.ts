import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, expandTestEvents, initialState, loadRules } from '../../src/engine/index.js';
import { formatAlert } from '../../src/slack/format.js';
import { formatRepeatReply } from '../../src/slack/format-repeat.js';
import { blockKitViolations } from '../helpers/slack-fixtures.js';

// The message of every default rule, produced from the rule's own firing tests
// through the real engine and catalog: snapshot + Block Kit limits.
const catalog = loadCatalog();
const { rules, problems } = loadRules(BUNDLED_RULES_DIR, catalog);
// As the bot posts them: with Acknowledge / Resolve / Mute (a Slack app receives them) and the tenant named.
const context = { catalog, defaultChannel: '#security-alerts', dashboard: { region: 'us', tenant: 'acme' }, tenant: 'acme-prod', actions: true };

describe('messages of the default rules', () => {
  it('loads the default rules', () => {
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });

  it.each(rules.map((rule) => [rule.id, rule] as const))('%s: snapshot and Block Kit limits', (_id, rule) => {
    // Rules shipped off (new-country) are rendered too: someone will turn them on.
    const ruleSet = compileRules([{ ...rule, enabled: true }], catalog);
    const firing = (rule.tests ?? []).filter((test) => (test.expect.alerts ?? 0) > 0);
    expect(firing.length, 'a firing test').toBeGreaterThan(0);
    const messages = [];
    for (const test of firing) {
      const { events } = expandTestEvents(rule, test.events);
      const { alerts } = evaluate(ruleSet, initialState(), events);
      for (const alert of alerts) {
        const message =
          alert.kind === 'alert' ? formatAlert(alert, context) : formatRepeatReply([alert], { threadTs: '1700000000.000001', total: alert.incidentCount }, context);
        expect(blockKitViolations(message), `${rule.id} / ${test.name}`).toEqual([]);
        expect(message.metadata).toMatchObject({ event_type: 'auth0_log_alert', event_payload: { rule_id: rule.id, kind: alert.kind } });
        messages.push(message);
      }
    }
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toMatchSnapshot();
  });
});
