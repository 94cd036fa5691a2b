import { describe, expect, it } from 'vitest';
import { receivesActions } from '../../src/slack/actions/receives.js';
import { formatAlert } from '../../src/slack/format.js';
import { blockKitViolations, fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';

const context = { catalog: fakeCatalog(), defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' } };

/** Every text a reader sees: the notification text and each section's text and fields. */
function texts(message: { text: string; blocks: unknown[] }): string {
  const parts = [message.text];
  for (const block of message.blocks as Array<{ text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text?: string | { text: string } }> }>) {
    if (block.text) parts.push(block.text.text);
    for (const field of block.fields ?? []) parts.push(field.text);
    for (const element of block.elements ?? []) parts.push(typeof element.text === 'string' ? element.text : (element.text?.text ?? ''));
  }
  return parts.join('\n');
}

describe('what an alert tells on-call', () => {
  it('a critical rule says @here by default; `mention: none` turns it off; other severities stay quiet', () => {
    expect(formatAlert(makeAlert({ mention: undefined, severity: 'critical' }), context).text).toMatch(/^<!here> · /);
    expect(texts(formatAlert(makeAlert({ mention: 'none', severity: 'critical' }), context))).not.toContain('<!here>');
    expect(texts(formatAlert(makeAlert({ mention: undefined, severity: 'high' }), context))).not.toMatch(/<!here>|<!channel>/);
  });

  it('names the tenant, the user agent (a script is pointed out), and drops empty fields instead of printing dashes', () => {
    const alert = makeAlert({ event: { ...makeAlert().event, user_agent: 'python-requests/2.31.0', connection: undefined, client_name: undefined } });
    const text = texts(formatAlert(alert, { ...context, tenant: 'acme-prod' }));
    expect(text).toContain('tenant *acme-prod*');
    expect(text).toContain('*User agent*\npython-requests/2.31.0\n_a script, not a browser_');
    expect(text).not.toContain('*Connection*');
    expect(text).not.toContain('–');
    // the long incident id stays in the metadata only
    expect(text).not.toContain(alert.incident);
  });

  it('says what a Management API call changed, how and by whom', () => {
    const alert = makeAlert({
      ruleId: 'security-settings-changed',
      event: { ...makeAlert().event, type: 'sapi', description: 'Update breached password detection settings' },
      change: { method: 'PATCH', path: '/api/v2/attack-protection/breached-password-detection', fields: [{ key: 'enabled', value: 'false' }], more: 0, actor: { email: 'admin@example.com', userId: 'auth0|admin' } },
    });
    const message = formatAlert(alert, context);
    expect(blockKitViolations(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('`PATCH` `/api/v2/attack-protection/breached-password-detection`');
    expect(text).toContain('• enabled: false');
    expect(text).toContain('*Changed by*\nadmin@example.com (auth0|admin)');
  });

});

describe('action buttons only where a Slack app receives them', () => {
  it.each([
    { slack: { appToken: 'xapp-1' }, once: false, expected: true },
    { slack: { signingSecret: 'secret' }, once: false, expected: true },
    { slack: {}, once: false, expected: false },
    { slack: { appToken: 'xapp-1', signingSecret: 'secret' }, once: true, expected: false },
  ])('$slack, once=$once → $expected', ({ slack, once, expected }) => {
    expect(receivesActions(slack, once)).toBe(expected);
  });

  it('an alert carries Acknowledge / Resolve / Mute with actions on, only its link buttons without', () => {
    const ids = (message: { blocks: unknown[] }) =>
      (message.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>).filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => e.action_id));
    const alert = makeAlert();
    expect(ids(formatAlert(alert, { ...context, actions: true }))).toEqual(['incident_acknowledge', 'incident_resolve', 'incident_mute', 'open_auth0_log', 'open_auth0_user', 'open_log_code_docs']);
    expect(ids(formatAlert(alert, context))).toEqual(['open_auth0_log', 'open_auth0_user', 'open_log_code_docs']);
  });
});
