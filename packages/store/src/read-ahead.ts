/**
 * `source`'s items in order, with up to `ahead` of them asked for before the consumer takes them. A database cursor
 * asks the server for its next batch only once the consumer has taken the last item of the current one, so the
 * server idles while the consumer works through a batch, and the consumer while the server produces the next; an
 * export's partition spent about a fifth of its time so on FerretDB (docs/decisions.md, 2026-12-07). Memory grows
 * by at most `ahead` items. Returning early (break, throw) waits for the requests under way and closes the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const requested: Array<Promise<IteratorResult<T>>> = [];
  try {
    for (;;) {
      while (requested.length < ahead) {
        const next = iterator.next();
        // Handled where it is awaited, in order; until then a rejection must not count as unhandled.
        next.catch(() => undefined);
        requested.push(next);
      }
      const result = await requested.shift()!;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await Promise.allSettled(requested);
    await iterator.return?.();
  }
}
