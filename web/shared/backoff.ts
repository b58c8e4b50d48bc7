/**
 * Backoff computes reconnect delays with exponential backoff and full jitter
 * (docs/protocol.md, "Reconnecting"): each wait is random in [0, b), where b
 * starts at minMs and doubles up to maxMs. reset() starts over after a
 * connection that stayed up.
 */
export class Backoff {
  private bound: number;

  constructor(
    private readonly minMs = 100,
    private readonly maxMs = 5000,
    private readonly random: () => number = Math.random,
  ) {
    this.bound = minMs;
  }

  /** The next wait in milliseconds; the bound doubles for the one after. */
  next(): number {
    const wait = Math.floor(this.random() * this.bound);
    this.bound = Math.min(this.bound * 2, this.maxMs);
    return wait;
  }

  reset(): void {
    this.bound = this.minMs;
  }
}
