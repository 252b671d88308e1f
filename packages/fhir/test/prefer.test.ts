import { preferHas } from '../src';

describe('preferHas', () => {
  it.each([
    ['respond-async', true],
    ['handling=strict, respond-async', true],
    ['respond-async; wait=10', true],
    ['respond-async wait=10', true],
    ['respond-asynchronously', false],
    ['x-respond-async', false],
    [undefined, false],
  ])('finds respond-async in %p: %p', (prefer, found) => {
    expect(preferHas(prefer, 'respond-async')).toBe(found);
  });
});
