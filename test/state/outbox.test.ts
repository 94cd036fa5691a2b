import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueAlerts, markFailed, markSent, notePendingError, outboxSummary, pendingRows } from '../../src/state/outbox.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

let state: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  state = tempStateDb();
});
afterEach(() => state.cleanup());

function ids(channel: string): number[] {
  return pendingRows(state.db, channel, 100).rows.map((row) => row.id);
}

describe('outbox', () => {
  it('notes an error on every pending row without failing any of them, and status shows it per channel', () => {
    enqueueAlerts(state.db, 'acme', [makeAlert(), makeAlert()], '#a');
    enqueueAlerts(state.db, 'acme', [makeAlert()], '#b');
    const [sent] = ids('#a');
    markSent(state.db, [sent!], '1700000000.000001', new Date());

    expect(notePendingError(state.db, 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)')).toBe(2);

    const rows = state.db.prepare(`SELECT status, attempts, last_error FROM outbox ORDER BY id`).all();
    expect(rows).toEqual([
      { status: 'sent', attempts: 1, last_error: null },
      { status: 'pending', attempts: 0, last_error: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)' },
      { status: 'pending', attempts: 0, last_error: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)' },
    ]);
    expect(outboxSummary(state.db).map(({ channel, pending, failed, pendingError, lastError }) => ({ channel, pending, failed, pendingError, lastError }))).toEqual([
      { channel: '#a', pending: 1, failed: 0, pendingError: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)', lastError: null },
      { channel: '#b', pending: 1, failed: 0, pendingError: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)', lastError: null },
    ]);
  });

  it('keeps lastError for failed rows and pendingError for pending ones apart', () => {
    enqueueAlerts(state.db, 'acme', [makeAlert(), makeAlert()], '#a');
    const [first] = ids('#a');
    markFailed(state.db, [first!], 'invalid_blocks');
    expect(outboxSummary(state.db)[0]).toMatchObject({ pending: 1, failed: 1, lastError: 'invalid_blocks', pendingError: null });
  });
});
