/**
 * What a coordinator takes from Redis as a worker's result: checked before the store takes it, so that a malformed
 * value (a worker of another version, a hand-edited job, a job read before its result was written) is a failed
 * trial with the reason named, never a crash of the coordinator.
 */
import { describe, expect, it } from 'vitest';

import { outcomeFromJob } from '../src/sweep/queue.js';

describe('a queued trial result', () => {
  const good = { results: { test: { accuracy: 0.5 } }, weights: Buffer.from(new Float32Array([1, 2]).buffer).toString('base64'), worker: 'w1' };

  it('becomes a trial outcome with the weights decoded', () => {
    const outcome = outcomeFromJob(good);
    expect('malformed' in outcome).toBe(false);
    if ('malformed' in outcome) return;
    expect(new Float32Array(outcome.weights.buffer, outcome.weights.byteOffset, 2)).toEqual(new Float32Array([1, 2]));
    expect(outcome.worker).toBe('w1');
  });

  it.each([
    [null, /got null/],
    ['done', /got string/],
    [{ ...good, weights: 7 }, /weights: expected a base64 string/],
    [{ ...good, worker: undefined }, /worker: expected a string/],
    [{ ...good, results: null }, /results\.test\.accuracy: expected a number/],
    [{ ...good, results: { test: {} } }, /results\.test\.accuracy: expected a number/],
  ])('names what is wrong with %j', (value, reason) => {
    const outcome = outcomeFromJob(value);
    expect('malformed' in outcome && outcome.malformed).toMatch(reason);
  });
});
