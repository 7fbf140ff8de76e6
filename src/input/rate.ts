/**
 * A token bucket: `capacity` keystrokes at once, refilled at `perSecond`. Costs are taken whole
 * or not at all, so a refused `type` types nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
  }

  /** Takes `cost` tokens if there are that many; says whether it did. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.tokens) {
      return false;
    }
    this.tokens -= cost;
    return true;
  }
}
