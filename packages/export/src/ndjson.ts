/** Lines are gathered into chunks of about this size before they are handed on, to keep stream overhead low. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Serialises resources to NDJSON chunks. Memory holds one chunk at a time, whatever the number of resources;
 * `onResource` sees each resource after its line is queued (used for counts and checkpoints).
 */
export async function* ndjsonChunks<T>(
  resources: AsyncIterable<T>,
  onResource: (resource: T) => void = () => undefined,
): AsyncGenerator<Buffer> {
  let lines: string[] = [];
  let bytes = 0;
  for await (const resource of resources) {
    const line = JSON.stringify(resource) + '\n';
    lines.push(line);
    bytes += line.length;
    onResource(resource);
    if (bytes >= CHUNK_BYTES) {
      yield Buffer.from(lines.join(''), 'utf8');
      lines = [];
      bytes = 0;
    }
  }
  if (lines.length > 0) yield Buffer.from(lines.join(''), 'utf8');
}
