import { silentLogger } from '../../src/log.js';
import { createThreadNotes, type ThreadNotes } from '../../src/slack/actions/notes.js';
import type { ThreadNoteMessage } from '../../src/slack/format-thread-note.js';
import type { FormatContext } from '../../src/slack/format.js';
import type { StateStore } from '../../src/state/store.js';
import { FIXED_NOW, SAMPLE_RULES } from './bolt-fixtures.js';
import { fakeCatalog } from './slack-fixtures.js';

/** The thread-notes worker posting into `posted` (Slack answers each with a fresh ts). */
export function recordingThreadNotes(store: StateStore, posted: ThreadNoteMessage[]): ThreadNotes {
  return createThreadNotes({
    store,
    logger: silentLogger(),
    owner: 'test',
    post: async (message) => {
      posted.push(message);
      return { ts: `1704067300.${String(posted.length).padStart(6, '0')}` };
    },
  });
}

/** What createSlackApp needs besides its mode, for tests of the actions: `/logcode`, health, and the actions on `store`. */
export function actionAppOptions(store: StateStore, notes: ThreadNotes, responders: string[], formatContext: () => FormatContext = () => ({ catalog: fakeCatalog(), defaultChannel: '#alerts' })) {
  return {
    logcode: { catalog: fakeCatalog(), rules: () => SAMPLE_RULES, now: () => FIXED_NOW },
    health: () => ({ status: 'ok' as const, lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 240 }),
    logger: silentLogger(),
    actions: { store, responders, formatContext, onRecorded: () => void notes.flush() },
  };
}
