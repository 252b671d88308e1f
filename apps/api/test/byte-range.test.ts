import { byteRange } from '../src/byte-range';

describe('byteRange', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=10-', { start: 10, end: 99 }],
    ['bytes=90-200', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-1000', { start: 0, end: 99 }],
    ['bytes=99-99', { start: 99, end: 99 }],
    ['BYTES= 5-6 ', { start: 5, end: 6 }],
  ])('reads %s of 100 bytes as one range', (header, range) => {
    expect(byteRange(header, 100)).toEqual(range);
  });

  it.each(['bytes=100-', 'bytes=150-200', 'bytes=-0'])('finds %s of 100 bytes unsatisfiable', (header) => {
    expect(byteRange(header, 100)).toBe('unsatisfiable');
  });

  it('finds every range of an empty object unsatisfiable', () => {
    expect(byteRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(byteRange('bytes=-5', 0)).toBe('unsatisfiable');
  });

  it.each([
    undefined,
    'bytes=0-1,5-6',
    'bytes=0-1,200-300',
    'bytes=9-2',
    'bytes=-',
    'bytes=a-b',
    'items=0-5',
    'bytes 0-5',
  ])('serves the whole object for %s', (header) => {
    expect(byteRange(header, 100)).toBeUndefined();
  });
});
