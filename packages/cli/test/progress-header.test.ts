import { parseProgress, retryAfterMs } from '../src/progress-header';

describe('X-Progress', () => {
  it.each([
    ['Exporting 45%: 5400 of 12000 resources (Patient 1000, Observation 4400)', 45],
    ['Importing 12.5%: 1 of 3 files, 45.0 of 120.0 MB', 12.5],
    ['Writing manifest 99%', 99],
  ])('reads the percentage of "%s"', (header, percent) => {
    expect(parseProgress(header)).toEqual({ text: header, percent });
  });

  it.each(['Exporting: 5400 resources written (Patient 5400)', 'Planning', 'In progress'])(
    'shows "%s" as it is, without a percentage',
    (header) => {
      expect(parseProgress(header)).toEqual({ text: header });
    },
  );

  it('says "In progress" for a 202 without X-Progress', () => {
    expect(parseProgress(null)).toEqual({ text: 'In progress' });
  });

  it('ignores a number over 100 followed by %', () => {
    expect(parseProgress('odd 250% text')).toEqual({ text: 'odd 250% text' });
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');

  it('waits the seconds it gives', () => {
    expect(retryAfterMs('3', 1000, now)).toBe(3000);
  });

  it('waits until the HTTP date it gives', () => {
    expect(retryAfterMs('Mon, 07 Dec 2026 12:00:10 GMT', 1000, now)).toBe(10_000);
  });

  it('waits the fallback without one, or with nonsense', () => {
    expect(retryAfterMs(null, 1500, now)).toBe(1500);
    expect(retryAfterMs('soon', 1500, now)).toBe(1500);
  });

  it('never polls sooner than the minimum, even when told 0', () => {
    expect(retryAfterMs('0', 1000, now)).toBe(200);
  });
});
