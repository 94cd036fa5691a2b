import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startLogStreamStandIn, type LogStreamStandIn } from './standins/log-stream.js';
import type { PostedMessage } from './standins/slack.js';
import { createWorld, ensureBuilt, waitFor, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, stopGracefully } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Issue 15 and the review: a log stream that stops delivering while the poller
// keeps finding events gets exactly one `stream_silent` notice, and the stream
// delivering again resolves it (a "resolved" reply under the notice).
const TOKEN = 'e2e-silence-stream-token-9d41';
const METRICS_TOKEN = 'e2e-silence-metrics-token-2c7e';
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const silenceNotices = (w: World): PostedMessage[] =>
  w.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alerts_notice' && m.metadata.event_payload.kind === 'stream_silent');
const noticeState = (m: PostedMessage) => m.metadata!.event_payload.state;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('e2e: a log stream that goes silent', () => {
  it('one stream_silent notice while the stream stays silent and polling finds events; resolved once it delivers again', async () => {
    world = await createWorld();
    const port = await freePort();
    // Fast: a poll every second, silence after 3 s (the race window is never longer than the threshold).
    const bot = world.start(['run'], { PORT: String(port), LOG_STREAM_TOKEN: TOKEN, METRICS_TOKEN, STREAM_SILENT_AFTER: '3s' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the bot to serve /healthz', async () => (await fetch(`${base}/healthz`).catch(() => undefined)) !== undefined, {
      timeoutMs: 20_000,
      diagnostics: () => world!.diagnostics(),
    });
    const stream: LogStreamStandIn = startLogStreamStandIn({ url: base, authorization: `Bearer ${TOKEN}` });
    const traffic = new TrafficGenerator({ seed: 151 });
    /** New events in Auth0 (the poller finds them), and, while the stream is healthy, delivered by it too. */
    const tick = async (streaming: boolean) => {
      const generated = traffic.steady(5, 0);
      const ids = world!.auth0.addEvents(generated);
      if (streaming) await stream.deliver(generated.map((event, index) => ({ ...event, log_id: ids[index] })), 'jsonarray');
      await pause(400);
    };
    const ticksUntil = async (what: string, streaming: boolean, done: () => boolean) => {
      let ticks = 0;
      await waitFor(
        what,
        async () => {
          await tick(streaming);
          ticks += 1;
          return done();
        },
        { timeoutMs: 30_000, intervalMs: 1, diagnostics: () => world!.diagnostics() },
      );
      return ticks;
    };

    // A healthy stream for well past the threshold: no notice.
    for (let i = 0; i < 15; i++) await tick(true);
    expect(silenceNotices(world)).toEqual([]);

    // The stream stops delivering; polling keeps finding events.
    await ticksUntil('the stream_silent notice', false, () => silenceNotices(world!).length > 0);
    // Still silent for several more poll cycles: no second notice.
    for (let i = 0; i < 10; i++) await tick(false);
    expect(silenceNotices(world).map(noticeState)).toEqual(['open']);
    expect(silenceNotices(world)[0]!.text).toMatch(/log stream has delivered nothing for/);

    // The detail behind METRICS_TOKEN: this process took the stream's batches and holds the tenant.
    const detail = (await (await fetch(`${base}/healthz`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json()) as {
      tenants: Record<string, { stream: { deliveries: number; lastDeliveryAt: string | null }; lease: { replica: string } | null }>;
    };
    const [tenant] = Object.values(detail.tenants);
    expect(tenant!.stream.deliveries).toBe(15);
    expect(tenant!.stream.lastDeliveryAt).not.toBeNull();
    expect(tenant!.lease?.replica).toContain(`:${bot.pid}:`);
    expect(await (await fetch(`${base}/healthz`)).json()).not.toHaveProperty('tenants');

    // The stream delivers again: resolved, once, in the notice's thread.
    await ticksUntil('the resolved reply', true, () => silenceNotices(world!).length > 1);
    for (let i = 0; i < 8; i++) await tick(true);
    const [open, resolved, ...more] = silenceNotices(world);
    expect(more).toEqual([]);
    expect(noticeState(open!)).toBe('open');
    expect(noticeState(resolved!)).toBe('resolved');
    expect(resolved!.thread_ts).toBe(open!.ts);

    const [exit] = await stopGracefully(world);
    expect(exit).toEqual({ code: 0, signal: null });
    expectCleanRun(world);
    expect(bot.output()).not.toContain(TOKEN);
    expect(bot.output()).not.toContain(METRICS_TOKEN);
  }, 120_000);
});
