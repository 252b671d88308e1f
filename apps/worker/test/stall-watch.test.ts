import { StallWatch } from '../src/import/stall-watch';

describe('StallWatch', () => {
  it('says nothing while the offset moves, however slowly', () => {
    const watch = new StallWatch(0, 0, 60_000);
    expect(watch.observe(0, 59_000)).toEqual({ stalledSeconds: 0 });
    expect(watch.observe(10, 100_000)).toEqual({ stalledSeconds: 0 });
    expect(watch.observe(10, 159_999)).toEqual({ stalledSeconds: 0 });
  });

  it('reports a stall once when the threshold is crossed, then its growing length, then the move', () => {
    const watch = new StallWatch(500, 1_000, 60_000);
    expect(watch.observe(500, 61_000)).toEqual({ stalledSeconds: 60, change: 'stalled' });
    expect(watch.observe(500, 96_500)).toEqual({ stalledSeconds: 95 });
    expect(watch.observe(900, 97_000)).toEqual({ stalledSeconds: 0, change: 'moving' });
    expect(watch.observe(900, 98_000)).toEqual({ stalledSeconds: 0 });
  });

  it('counts a stall from the last move, not from the start', () => {
    const watch = new StallWatch(0, 0, 10_000);
    watch.observe(1, 50_000);
    expect(watch.observe(1, 59_000)).toEqual({ stalledSeconds: 0 });
    expect(watch.observe(1, 60_000)).toEqual({ stalledSeconds: 10, change: 'stalled' });
  });
});
