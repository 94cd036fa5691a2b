import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { formatAlert, formatParentUpdate } from '../../src/slack/format.js';
import { formatRepeatReply } from '../../src/slack/format-repeat.js';
import { formatDigest } from '../../src/slack/format-digest.js';
import { blockKitViolations, fakeCatalog, makeAlert, messageTexts as collectTexts } from '../helpers/slack-fixtures.js';

const context = { catalog: fakeCatalog(), defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' } };
const ZWSP = '\u200B';

function allText(message: unknown): string {
  return JSON.stringify(message);
}

/**
 * The contract's metadata of a `makeAlert()` alert, written out from ../shared/CONTRACT.md
 * (never rebuilt with the formatter's own alertMetadata helper).
 */
function contractMetadata(incident: string, logId: string) {
  return {
    event_type: 'auth0_log_alert',
    event_payload: {
      kind: 'alert',
      rule_id: 'breached-password',
      severity: 'critical',
      incident,
      log_ids: [logId],
      count: 1,
      group: { user_name: 'alice@example.com', ip: '203.0.113.7' },
    },
  };
}

describe('formatAlert', () => {
  it('shows a runbook written as guidance as a "What to do" section, and a runbook URL as a button', () => {
    const guidance = formatAlert(makeAlert({ runbook: 'Reset the password of <!channel> *the user*; check the IP.' }), context);
    expect(blockKitViolations(guidance)).toEqual([]);
    const todo = (guidance.blocks as any[]).find((block) => block.type === 'section' && block.text?.text.startsWith('*What to do*'));
    expect(todo?.text.text).toContain('Reset the password of &lt;!channel&gt;');
    const buttons = (guidance.blocks as any[]).find((block) => block.type === 'actions');
    expect(buttons.elements.map((b: { text: { text: string } }) => b.text.text)).not.toContain('Runbook');

    const link = formatAlert(makeAlert({ runbook: 'https://wiki.example.com/breach' }), context);
    expect(JSON.stringify(link.blocks)).not.toContain('What to do');
  });

  it('renders header, event name, fields, links and metadata', () => {
    const alert = makeAlert({ runbook: 'https://wiki.example.com/breach', incident: 'breached-password:fixed' });
    const message = formatAlert(alert, context);
    expect(message.channel).toBe('#alerts');
    expect(blockKitViolations(message)).toEqual([]);
    const [header, section, actions] = message.blocks as any[];
    expect(header.text.text).toBe('🚨 Breached password for alice@example.com');
    expect(section.text.text).toContain('`pwd_leak` — *Breached password* · severity *critical*');
    expect(section.fields.map((f: { text: string }) => f.text.split('\n')[0])).toEqual([
      '*User*',
      '*IP address*',
      '*Application*',
      '*Connection*',
      '*Time*',
    ]);
    expect(section.fields[1].text).toContain('203.0.113.7 (Berlin, Germany)');
    expect(section.fields[4].text).toBe('*Time*\n<!date^1704067200^{date_short_pretty} {time_secs}|2024-01-01T00:00:00.000Z>');
    expect(actions.elements.map((b: { text: { text: string } }) => b.text.text)).toEqual([
      'View in Auth0',
      'View user',
      'What is pwd_leak?',
      'Runbook',
    ]);
    expect(actions.elements[0].url).toBe(`https://manage.auth0.com/dashboard/eu/acme/logs/${alert.event.log_id}`);
    // The dashboard's user page: the id URI-encoded, then base64 ("auth0|alice").
    expect(actions.elements[1].url).toBe(`https://manage.auth0.com/dashboard/eu/acme/users/${Buffer.from('auth0%7Calice').toString('base64')}`);
    expect(message.metadata).toEqual(contractMetadata('breached-password:fixed', alert.event.log_id));
  });

  it('matches the snapshot of a threshold alert', () => {
    const alert = makeAlert({
      ruleId: 'brute-force-by-ip',
      title: 'Brute force from 203.0.113.7',
      severity: 'high',
      reason: 'threshold_reached',
      incident: 'brute-force-by-ip:snap',
      logIds: ['900a', '900b'],
      count: 20,
      group: { ip: '203.0.113.7' },
      threshold: { count: 20, window: '5m', groupBy: ['ip'] },
      top: { users: [{ value: 'alice@example.com', count: 15 }, { value: 'bob', count: 5 }], ips: [{ value: '203.0.113.7', count: 20 }] },
      suppressed: 3,
      incidentCount: 20,
      firstDate: '2024-01-01T00:00:00.000Z',
      lastDate: '2024-01-01T00:04:00.000Z',
      event: { ...makeAlert().event, type: 'fp', log_id: '900b', description: 'Wrong password' },
    });
    const message = formatAlert(alert, context);
    expect(blockKitViolations(message)).toEqual([]);
    expect(message).toMatchSnapshot();
  });

  it('leads a threshold alert with its count and top users / IPs, and labels the single event as the latest one', () => {
    const alert = makeAlert({
      ruleId: 'brute-force-by-ip',
      reason: 'threshold_reached',
      count: 20,
      group: { ip: '203.0.113.7' },
      threshold: { count: 20, window: '5m', groupBy: ['ip'] },
      top: { users: [{ value: 'alice@example.com', count: 15 }, { value: 'bob', count: 5 }], ips: [{ value: '203.0.113.7', count: 20 }] },
    });
    const message = formatAlert(alert, context);
    expect(blockKitViolations(message)).toEqual([]);
    const sections = (message.blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[]).filter((b) => b.type === 'section');
    const labels = sections.map((section) => (section.fields ?? []).map((f) => f.text.split('\n')[0]));
    // first: what the burst is, each fact once — count, codes, window, group and threshold in one line;
    // the users it hit (its IP is the group: not listed again)
    expect(labels[0]).toEqual(['*Top users*']);
    expect(sections[0]!.text!.text).toContain('*20 events* within 5m for ip=203.0.113.7 — threshold 20');
    expect(JSON.stringify(message.blocks).match(/203\.0\.113\.7/g)).toHaveLength(1);
    // then the one event the alert was built from, never read as "the" user or IP of the burst; its IP is the group's
    expect(labels[1]).toEqual(['*Latest user*', '*Application*', '*Connection*', '*Time*']);
    expect(sections[1]!.text!.text).toMatch(/^\*Latest event\*/);
    expect(labels.flat()).not.toContain('*User*');
    expect(labels.flat()).not.toContain('*IP address*');
  });

  it.each([
    ['here', '<!here>'],
    ['channel', '<!channel>'],
    ['S0123ABC', '<!subteam^S0123ABC>'],
    ['U0123ABC', '<@U0123ABC>'],
  ])('mentions %s only when the rule asks', (mention, token) => {
    expect(allText(formatAlert(makeAlert({ mention }), context))).toContain(token);
    expect(formatAlert(makeAlert(), context).text).not.toMatch(/<!|<@/);
  });

  it('drops a mention it does not recognise instead of passing it raw', () => {
    expect(allText(formatAlert(makeAlert({ mention: '<!channel> hi' }), context))).not.toContain('<!channel>');
  });

  it('renders hostile log values literally: no mention, no link, no formatting', () => {
    const hostile = '<!channel> *x* <https://evil.example|click> @here _i_ ~s~ `c`';
    // without a backtick, so it could sit inside a code span
    const spanned = ' *x* <!here> _i_ ';
    const base = makeAlert();
    const alert = makeAlert({
      title: `Breached password for ${hostile}`,
      // event types and log ids are log data too; the incident id embeds the first log id
      incident: `breached-password:1a2b3c4d:${spanned}`,
      group: { user_name: hostile, [hostile]: 'x' },
      top: { users: [{ value: hostile, count: 2 }], ips: [{ value: hostile, count: 2 }] },
      event: {
        ...base.event,
        user_name: hostile,
        user_id: hostile,
        ip: hostile,
        client_name: hostile,
        connection: hostile,
        description: hostile,
        location_info: { city_name: hostile, country_name: hostile },
        type: spanned,
        log_id: spanned,
      },
    });
    const messages = [
      formatAlert(alert, context),
      formatParentUpdate(alert, { count: 3, lastDate: hostile }, '1.2', context),
      formatRepeatReply([{ ...alert, kind: 'repeat' }], { threadTs: '1.2', total: 3 }, context),
      formatDigest([alert, alert], 'digest:x', context),
    ];
    for (const message of messages) {
      const texts = collectTexts(message);
      for (const { type, text } of texts) {
        if (type === 'plain_text') continue; // shown literally by Slack
        expect(text).not.toMatch(/<!(?!date\^)/); // no <!channel>; only our own <!date^…> token
        expect(text).not.toMatch(/<@|<#/);
        expect(text).not.toContain('<http');
        expect(text).not.toMatch(/https?:\/\//);
        expect(text).not.toMatch(/(^|[^\u200B])[*_~`](x|i|s|c)[*_~`]/);
        expect(text).not.toMatch(/@(channel|here)/);
        // code spans only around identifier-like values: a span Slack does not close would expose its content as mrkdwn
        const outsideSpans = text.replace(/`[\p{L}\p{N}_.:-]+`/gu, '').replace(new RegExp(`${ZWSP}\`${ZWSP}`, 'g'), '');
        expect(outsideSpans).not.toContain('`');
      }
      // the hostile value is there, readable, in escaped form
      expect(allText(message)).toContain('&lt;!channel&gt;');
    }
  });

  it('cuts over-long values to Slack limits with an ellipsis and a warning', () => {
    const warnings: string[] = [];
    const long = 'x'.repeat(5000);
    const alert = makeAlert({ title: long, event: { ...makeAlert().event, description: long, user_name: long } });
    const message = formatAlert(alert, { ...context, onWarning: (w) => warnings.push(w) });
    expect(blockKitViolations(message)).toEqual([]);
    expect(JSON.stringify(message)).toContain('…');
    expect(warnings.join('\n')).toMatch(/header cut/);
    expect(warnings.join('\n')).toMatch(/section text cut/);
  });

  it('never cuts in the middle of an entity', () => {
    const alert = makeAlert({ event: { ...makeAlert().event, description: '<'.repeat(3000) } });
    const section = (formatAlert(alert, context).blocks[1] as { text: { text: string } }).text.text;
    expect(section).toMatch(/&lt;…$/);
  });

  it('leaves out "View in Auth0" when the tenant is unknown and docs when the catalog has none', () => {
    const alert = makeAlert({ event: { ...makeAlert().event, type: 'limit_mu' } });
    const message = formatAlert(alert, { catalog: context.catalog, defaultChannel: '#a' });
    expect(allText(message)).not.toContain('View in Auth0');
    expect(allText(message)).not.toContain('What is');
  });

  it.each([
    // the parent's Count field shows the incident's running total, not the count it was first posted with
    { first: 20, running: 3000, field: '*So far*\n20 → now 3,000 (thread)' },
    // large first counts read with separators too
    { first: 1500, running: 1512, field: '*So far*\n1,500 → now 1,512 (thread)' },
  ])('threshold parent: running count field $field', ({ first, running, field }) => {
    const alert = makeAlert({ count: first, incidentCount: first, threshold: { count: 20, window: '5m', groupBy: ['ip'] }, group: { ip: '203.0.113.7' } });
    const message = formatParentUpdate(alert, { count: running, lastDate: alert.lastDate }, '1.2', context);
    const fields = (message.blocks as { fields?: { text: string }[] }[]).flatMap((block) => block.fields ?? []).map((f) => f.text);
    expect(fields.filter((text) => text.startsWith('*So far*'))).toEqual([field]);
    // said once: no second "seen N times" line on a threshold parent
    expect(allText(message)).not.toContain('Seen ');
    // before any repeat the count is in the headline only
    expect(allText(formatAlert(alert, context))).not.toContain('*So far*');
    expect(blockKitViolations(message)).toEqual([]);
    expect(message.metadata.event_payload.count).toBe(first); // an edit reports nothing new
  });

  it('shows the running count on the parent update', () => {
    const alert = makeAlert({ incident: 'breached-password:updated' });
    const update = formatParentUpdate(alert, { count: 42, lastDate: '2024-01-01T01:00:00.000Z' }, '123.456', context);
    expect(update.ts).toBe('123.456');
    expect(allText(update)).toContain('Seen 42 times so far');
    // The parent keeps the metadata it was posted with: an edit reports nothing new.
    expect(update.metadata).toEqual(contractMetadata('breached-password:updated', alert.event.log_id));
  });
});

describe('formatRepeatReply', () => {
  it('batches repeats into one "+N more" reply with top users and metadata', () => {
    const repeats = [1, 2, 3].map((n) =>
      makeAlert({
        kind: 'repeat',
        reason: 'repeat',
        incident: 'inc-1',
        count: n,
        logIds: [`900${n}`],
        top: { users: [{ value: 'alice', count: n }], ips: [{ value: '198.51.100.1', count: n }] },
      }),
    );
    const reply = formatRepeatReply(repeats, { threadTs: '111.222', total: 7 }, context);
    expect(reply.thread_ts).toBe('111.222');
    expect(reply.text).toContain('+6 more');
    expect(reply.text).toContain('+6 more, 7 in all');
    expect(allText(reply)).toContain('alice ×6');
    expect(reply.metadata.event_payload).toMatchObject({ kind: 'repeat', incident: 'inc-1', count: 6, log_ids: ['9001', '9002', '9003'] });
    expect(blockKitViolations(reply)).toEqual([]);
  });

  it('posts standalone with a header when the parent could not be posted, or was deleted', () => {
    const reply = formatRepeatReply([makeAlert({ kind: 'repeat' })], { total: 2 }, context);
    expect(reply.thread_ts).toBeUndefined();
    expect((reply.blocks[0] as { type: string }).type).toBe('header');
    expect(allText(reply)).toContain('could not be posted, or was deleted in Slack');
  });
});

describe('formatDigest', () => {
  it('counts every event, lists top groups and caps log ids at 100', () => {
    const alerts = Array.from({ length: 150 }, (_, n) =>
      makeAlert({ ruleId: 'brute-force-by-ip', count: 10, group: { ip: `10.0.0.${n % 7}` }, logIds: [`900${String(n).padStart(4, '0')}`] }),
    );
    const digest = formatDigest(alerts, 'digest:brute-force-by-ip:1-150', context);
    expect(digest.metadata.event_payload).toMatchObject({ kind: 'digest', count: 1500, rule_id: 'brute-force-by-ip', group: {} });
    expect(digest.metadata.event_payload.log_ids).toHaveLength(100);
    expect(allText(digest)).toContain('ip=10.0.0.0 ×');
    expect(blockKitViolations(digest)).toEqual([]);
    expect(digest).toMatchSnapshot();
  });
});

describe('formatAlert: the code line', () => {
  it('a code whose catalog name differs from the rule title: the title in the header, "`code` — catalog name" in the code line and the fallback', () => {
    const alert = makeAlert({
      ruleId: 'account-blocked',
      title: 'IP 203.0.113.7 blocked for account bob@example.com',
      event: { ...makeAlert().event, type: 'limit_wc', description: 'Account blocked after 10 failed attempts from this IP' },
    });
    const message = formatAlert(alert, { catalog: loadCatalog(), defaultChannel: '#alerts' });
    const [header, section] = message.blocks as Array<{ text: { text: string } }>;
    // Written from the catalog (Auth0's name for limit_wc), as `/logcode limit_wc` writes it.
    expect(header!.text.text).toBe('🚨 IP 203.0.113.7 blocked for account bob@example.com');
    expect(section!.text.text.split('\n')[0]).toBe('`limit_wc` — *Blocked Account* · severity *critical*');
    expect(message.text).toBe('🚨 IP 203.0.113.7 blocked for account bob@example.com · `limit_wc` — Blocked Account');
  });
});

describe('formatRepeatReply: events with no user', () => {
  it('says how many events had no user, in words and italics, apart from a real user called "unknown"', () => {
    const repeat = makeAlert({ kind: 'repeat', reason: 'repeat', count: 5, incidentCount: 25, top: { users: [{ value: 'unknown', count: 2 }], ips: [], withoutUser: 3 } });
    const reply = formatRepeatReply([repeat], { threadTs: '1.2', total: 25 }, { catalog: fakeCatalog(), defaultChannel: '#alerts' });
    const fields = (reply.blocks as Array<{ fields?: Array<{ text: string }> }>).flatMap((b) => b.fields ?? []).map((f) => f.text);
    expect(fields).toContain('*Top users*\nunknown ×2\n_3 events with no user name_');
  });

  it('a repeat whose events all lack a user says so instead of a dash', () => {
    const event = { ...makeAlert().event, user_name: null, user_id: null };
    const repeat = makeAlert({ kind: 'repeat', reason: 'repeat', count: 1, incidentCount: 2, event, top: { users: [], ips: [], withoutUser: 1 } });
    const reply = formatRepeatReply([repeat], { threadTs: '1.2', total: 2 }, { catalog: fakeCatalog(), defaultChannel: '#alerts' });
    const fields = (reply.blocks as Array<{ fields?: Array<{ text: string }> }>).flatMap((b) => b.fields ?? []).map((f) => f.text);
    expect(fields).toContain('*Top users*\n_1 event with no user name_');
  });
});
