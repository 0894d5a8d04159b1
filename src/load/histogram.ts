/**
 * A log-linear latency histogram in the spirit of HdrHistogram: values are recorded in whole
 * microseconds; below 2^SUB_BITS µs every value has its own bucket, above it each power of two
 * is split into 2^(SUB_BITS-1) equal buckets, so a percentile is off by less than 1/128 (0.8 %)
 * whatever the range. Memory is fixed (a few thousand counters), so a run of a billion messages
 * costs the same as a run of ten, and no sample list has to be capped or sorted.
 */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // 256 exact buckets for 0…255 µs
const HALF = SUB_COUNT >> 1; // 128 buckets per power of two above that
const MAX_EXPONENT = 40; // 2^40 µs ≈ 12.7 days: anything longer is clamped there

export class Histogram {
  private readonly counts = new Float64Array(SUB_COUNT + (MAX_EXPONENT - SUB_BITS + 1) * HALF);
  private total = 0;
  private maxUs = 0;
  private minUs = Infinity;
  private sumUs = 0;

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[indexOf(us)]!++;
    this.total++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
    if (us < this.minUs) this.minUs = us;
  }

  get count(): number {
    return this.total;
  }

  /** Exact largest value recorded, ms (0 when empty). */
  get max(): number {
    return this.maxUs / 1000;
  }

  get min(): number {
    return this.total ? this.minUs / 1000 : 0;
  }

  get mean(): number {
    return this.total ? this.sumUs / this.total / 1000 : 0;
  }

  /**
   * The value at or below which `p` percent of the samples fall, in ms: the upper edge of the
   * bucket holding that rank (as HdrHistogram reports), never above the exact maximum.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperEdgeOf(i), this.maxUs) / 1000;
    }
    return this.max;
  }

  /** Adds every sample of `other` (per-connection histograms → one for the run). */
  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    this.minUs = Math.min(this.minUs, other.minUs);
  }
}

function indexOf(us: number): number {
  if (us < SUB_COUNT) return us;
  const exponent = Math.min(Math.floor(Math.log2(us)), MAX_EXPONENT);
  if (exponent === MAX_EXPONENT && us >= 2 ** (MAX_EXPONENT + 1)) return SUB_COUNT + (MAX_EXPONENT - SUB_BITS + 1) * HALF - 1;
  // us in [2^e, 2^(e+1)): HALF buckets of width 2^(e - SUB_BITS + 1).
  const shift = exponent - SUB_BITS + 1;
  const mantissa = Math.floor(us / 2 ** shift) - HALF; // 0…HALF-1
  return SUB_COUNT + (exponent - SUB_BITS) * HALF + mantissa;
}

function upperEdgeOf(index: number): number {
  if (index < SUB_COUNT) return index;
  const block = Math.floor((index - SUB_COUNT) / HALF);
  const mantissa = (index - SUB_COUNT) % HALF;
  const shift = block + 1;
  return (HALF + mantissa + 1) * 2 ** shift - 1;
}
