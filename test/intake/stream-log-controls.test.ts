import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, listen, type ListeningServer } from '../../src/http/server.js';
import { createLogStreamHandler } from '../../src/intake/stream-handler.js';
import { createLogger } from '../../src/log.js';

/**
 * What a stranger sends reaches the log: the tenant name in a rejected log-stream URL is
 * logged (to help fix a wrong Payload URL). JSON escapes C0 controls, but not C1 controls
 * (U+009B is a CSI) nor bidi overrides: the line written must hold neither.
 */
describe('log lines of rejected log-stream requests', () => {
  let server: ListeningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('show control and bidi characters of the requested name as U+FFFD', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const handler = createLogStreamHandler({ tenants: [{ key: 'acme', logStreamToken: 'stream-token-acme-0d2c9f' }], intakeFor: () => undefined, logger });
    server = await listen(createRouter({ health: () => ({ status: 'ok', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 0 }), logStream: handler }), 0, '127.0.0.1');
    const name = encodeURIComponent('acme\u009b2J\u202Egnp.exe\u2066\u200Bx');
    const response = await fetch(`http://127.0.0.1:${server.port}/auth0/log-stream/${name}`, { method: 'POST', body: '[]' });
    expect(response.status).toBe(401);
    const line = lines.find((text) => text.includes('rejected a log-stream request'));
    expect(line).toBeDefined();
    expect(line).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069\u200b]/);
    expect(JSON.parse(line!).tenant).toBe('acme\uFFFD2J\uFFFDgnp.exe\uFFFD\uFFFDx');
  });
});
