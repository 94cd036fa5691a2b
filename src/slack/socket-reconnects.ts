import type { App } from '@slack/bolt';

/** The part of @slack/socket-mode's SocketModeClient (2.x, 3.x) that schedules reconnects. */
interface ReconnectingClient {
  delayReconnectAttempt(attempt: () => Promise<unknown>): Promise<unknown>;
  /** Set by disconnect(). */
  shuttingDown?: boolean;
}

/**
 * Lets a Socket Mode client that is reconnecting stop without unhandled promise rejections.
 *
 * Each reconnect (after a refused or dropped WebSocket) runs `start()` again
 * through `delayReconnectAttempt`, whose `.then()` has no rejection handler;
 * every such `start()` waits for "connected" or "disconnected". On stop,
 * `disconnect()` emits "disconnected" once, and every pending `start()` rejects
 * — one unhandled rejection per refused reconnect, and Node ends `run` with
 * exit 1 after SIGTERM. Here a reconnect attempt that fails because the client
 * is shutting down settles quietly; any other failure is left as it was.
 *
 * Bolt keeps its receiver (and the client) private: reached by name, and left
 * alone when a future version no longer has that shape.
 */
export function settleReconnectsOnStop(app: App): boolean {
  const client = (app as unknown as { receiver?: { client?: Partial<ReconnectingClient> } }).receiver?.client;
  if (!client || typeof client.delayReconnectAttempt !== 'function') return false;
  const delay = client.delayReconnectAttempt.bind(client);
  client.delayReconnectAttempt = (attempt) =>
    delay(function (this: unknown) {
      return attempt.apply(this).catch((error: unknown) => {
        if (client.shuttingDown) return undefined;
        throw error;
      });
    });
  return true;
}
