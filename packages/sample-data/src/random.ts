/**
 * Seeded randomness. Math.random would make every run different; a tiny PRNG keeps the generator dependency-free
 * and byte-for-byte reproducible on every machine (only 32-bit integer maths and IEEE division are involved).
 */

/** mulberry32: a 32-bit state PRNG; plenty for synthetic data and very fast. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent stream seed for item `index` (murmur3's finaliser over seed and index). Each patient gets its own
 * stream, so patient i is identical however many patients are generated or skipped before it.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max) rounded to `decimals` places (rounding here keeps JSON free of 0.30000000000000004). */
  real(min: number, max: number, decimals: number): number {
    return round(min + this.next() * (max - min), decimals);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks one item with probability proportional to its weight. */
  weighted<T extends { weight: number }>(items: readonly T[]): T {
    const total = items.reduce((sum, item) => sum + item.weight, 0);
    let r = this.next() * total;
    for (const item of items) {
      r -= item.weight;
      if (r < 0) return item;
    }
    return this.pick(items); // only reached through float rounding at the very top of the range
  }

  /** `count` distinct items (fewer if the list is shorter), in their original order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const indexes = items.map((_, i) => i);
    const n = Math.min(count, items.length);
    // Partial Fisher-Yates: only the first n slots are shuffled.
    for (let i = 0; i < n; i++) {
      const j = this.int(i, indexes.length - 1);
      [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
    }
    return indexes
      .slice(0, n)
      .sort((a, b) => a - b)
      .map((i) => items[i] as T);
  }

  /** An epoch-milliseconds instant in [startMs, endMs), truncated to the whole minute so dates print cleanly. */
  dateBetween(startMs: number, endMs: number): number {
    const ms = startMs + Math.floor(this.next() * Math.max(0, endMs - startMs));
    // Floor-based modulo, so instants before 1970 also round down rather than towards zero.
    return Math.max(startMs, ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS));
  }
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const YEAR_MS = 365.25 * DAY_MS;
