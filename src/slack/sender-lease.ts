import type { Logger } from '../log.js';
import type { SenderOptions } from './sender-options.js';

/** Another process took over the channel (our lease ran out): stop posting there at once. */
export class LeaseLostError extends Error {
  constructor(readonly channel: string) {
    super(`another auth0-log-alerts process took over delivering to ${channel}; this one stops posting there`);
    this.name = 'LeaseLostError';
  }
}

export interface ChannelLeases {
  /** Takes the channel for this process; false (and the drain report says so) while another holds it. */
  acquire(channel: string, run: { report: { busy: string[] } }): Promise<boolean>;
  /** Before every Slack call: throws LeaseLostError when the lease is no longer ours. */
  renew(channel: string): Promise<void>;
  release(channel: string): Promise<void>;
}

/**
 * One writer per channel, over the state store's leases. The lease is renewed
 * right before each Slack call for `leaseMs`, longer than any one call may take
 * (the Slack client times out after 30 s), so no other process can take the
 * channel while a post of ours is in flight or being recorded.
 */
export function channelLeases(options: Pick<SenderOptions, 'store' | 'owner' | 'leaseMs' | 'clock'>, logger: Logger): ChannelLeases {
  const { store, owner, leaseMs, clock } = options;
  const toldBusy = new Set<string>();
  return {
    async acquire(channel, run) {
      const lease = await store.acquireChannelLease(channel, owner, leaseMs, new Date(clock.now()));
      if (lease.held) {
        toldBusy.delete(channel);
        return true;
      }
      run.report.busy.push(channel);
      if (!toldBusy.has(channel)) {
        toldBusy.add(channel);
        logger.warn(
          { channel, owner: lease.owner, until: lease.expiresAt.toISOString() },
          `another auth0-log-alerts process (${lease.owner}) is delivering to ${channel}; this one skips it (nothing is posted twice)`,
        );
      }
      return false;
    },
    async renew(channel) {
      if (!(await store.renewChannelLease(channel, owner, leaseMs, new Date(clock.now())))) throw new LeaseLostError(channel);
    },
    async release(channel) {
      await store.releaseChannelLease(channel, owner);
    },
  };
}
