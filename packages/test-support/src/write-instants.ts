import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An instant strictly between the writes before and after it (the store stamps writes with the clock, in ms), for
 * `_since` and `_until` tests.
 */
export async function instantBetweenWrites(): Promise<string> {
  await sleep(5);
  const instant = new Date().toISOString();
  await sleep(5);
  return instant;
}
