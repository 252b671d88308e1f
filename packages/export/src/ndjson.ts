/** Lines are gathered into chunks of about this size before they are handed on, to keep stream overhead low. */
const CHUNK_BYTES = 256 * 1024;

/** Joins NDJSON lines into chunks; memory holds one chunk at a time, whatever the number of lines. */
export async function* ndjsonChunks(lines: AsyncIterable<string>): AsyncGenerator<Buffer> {
  let batch: string[] = [];
  let bytes = 0;
  for await (const line of lines) {
    batch.push(line);
    bytes += line.length;
    if (bytes >= CHUNK_BYTES) {
      yield Buffer.from(batch.join(''), 'utf8');
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''), 'utf8');
}
