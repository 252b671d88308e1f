import { once } from 'node:events';
import { type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ByteWriter } from 'hyparquet-writer';

/**
 * hyparquet-writer's byte buffer, emptied into a Node stream after every row group (the writer calls `flush` then),
 * so the buffer never holds more than one encoded row group. Waits for `drain` when the stream says so: a slow sink
 * (an S3 multipart upload) holds the writer back instead of letting bytes pile up.
 */
export class SinkWriter extends ByteWriter {
  constructor(private readonly sink: Writable) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    // A copy: the buffer is reused for the next row group while the stream may still hold this chunk.
    const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    if (!this.sink.write(chunk)) await drained(this.sink);
  }

  override async finish(): Promise<void> {
    await this.flush();
    this.sink.end();
    // Only the writable side: a PassThrough handed to an upload ends its readable side when the upload reads it.
    await finished(this.sink, { readable: false });
  }
}

/** Resolves on `drain`, rejects if the stream fails first (once() rejects on `error`). */
const drained = (sink: Writable) => once(sink, 'drain');
