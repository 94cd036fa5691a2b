/**
 * A FIFO async mutex: one holder at a time, waiters served in arrival order.
 * The poller and log-stream requests of one tenant take it around "read rule
 * state, evaluate, commit", so inside one process they never race for the
 * tenant's rule state (across processes, the rule-state version does that).
 */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
