import type { DefaultJobOptions } from 'bullmq';

/** What the peer API puts in Redis for one send, and what its worker takes out. */
export interface PeerJob {
  /** Which of the worker's sockets sends it (the route's `:id`). */
  instance: string;
  to: string;
  text: string;
}

export const PEER_QUEUE = 'sends';

/**
 * As such a stack is usually set up: a few attempts with a back-off, and finished jobs kept in
 * Redis (BullMQ's default) so that their outcome can be looked up.
 */
export const PEER_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
};
