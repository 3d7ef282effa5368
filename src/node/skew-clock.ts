// A node's protocol clock under clock skew (issue 14): what the node's lease deadline, hold time
// and timers run on. `offset` shifts it, `rate` makes it run fast (> 1) or slow (< 1) from the
// moment the skew is set. The times a node RECORDS (history, trace, lock log) stay on the true
// clock, so the checkers judge what the protocol did, not the skew.
export interface Skew {
  readonly offsetUs: number
  readonly rate: number
}

export const NO_SKEW: Skew = {offsetUs: 0, rate: 1}

/** A rate outside this range is a typo, not a clock (NTP slews at most 500 ppm; this allows far more). */
export const MIN_RATE = 0.1
export const MAX_RATE = 10

export class SkewedClock {
  private skew: Skew = NO_SKEW
  private sinceUs = 0
  /** The skewed time at `sinceUs`, so that a new rate does not make time jump. */
  private baseUs = 0

  constructor(private readonly trueUs: () => number) {}

  /** The protocol clock never runs backwards (the core asserts it): a skew that ends, or a negative
   * offset, makes it stand still until the new time catches up, as a monotonic clock would. */
  private lastUs = -Infinity

  nowUs(): number {
    const t = this.trueUs()
    const skewed = this.skew === NO_SKEW ? t : Math.round(this.baseUs + this.skew.offsetUs + (t - this.sinceUs) * this.skew.rate)
    this.lastUs = Math.max(this.lastUs, skewed)
    return this.lastUs
  }

  nowMs(): number {
    return this.nowUs() / 1000
  }

  /** From now on: true time + offset, advancing `rate` times as fast (NO_SKEW: the true clock). */
  set(skew: Skew): void {
    if (!(skew.rate >= MIN_RATE && skew.rate <= MAX_RATE)) throw new Error(`clock rate must be within ${MIN_RATE}..${MAX_RATE}, got ${skew.rate}`)
    const t = this.trueUs()
    // Continue from where the running skew's rate has taken the clock (its offset is replaced).
    this.baseUs = this.nowUs() - this.skew.offsetUs
    this.sinceUs = t
    // Back to no skew: the clock steps to the true time (as an NTP step would).
    this.skew = skew.offsetUs === 0 && skew.rate === 1 ? NO_SKEW : skew
  }
}
