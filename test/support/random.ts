/**
 * The tests' one seeded PRNG (mulberry32): the fuzz tests, the background traffic of the harness and the
 * benchmark corpus all draw from it, so a seed replays the same choices everywhere. Not cryptographic.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
