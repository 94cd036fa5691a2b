import { hostname } from 'node:os';
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
      let lease = await store.acquireChannelLease(channel, owner, leaseMs, new Date(clock.now()));
      if (!lease.held && isDeadLocalOwner(lease.owner)) {
        // Killed or crashed on this host: it cannot post any more, so its lease need not run out first.
        lease = await store.acquireChannelLease(channel, owner, leaseMs, new Date(clock.now()), { takeOverFrom: lease.owner });
        if (lease.held) logger.info({ channel }, `took over ${channel} from a stopped auth0-log-alerts process on this host`);
      }
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

/** An owner `host:pid:…` of this host whose process no longer runs. */
export function isDeadLocalOwner(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it runs under another user — alive.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
