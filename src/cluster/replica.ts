import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ReplicaAnnouncement } from '../state/store.js';

/**
 * Who this process is among the replicas sharing a state: REPLICA_ID when set
 * (e.g. the pod name), else host:pid:random — the random part tells apart a
 * restarted process that got the same pid (a container's pid 1).
 * It names the holder of each tenant lease, in `status`, /healthz and the logs.
 */
export function replicaIdentity(replicaId: string | undefined, pid: number = process.pid): ReplicaAnnouncement {
  const host = hostname();
  return { id: replicaId ?? `${host}:${pid}:${randomBytes(3).toString('hex')}`, host, pid };
}
