import { isUtf8 } from 'node:buffer';

/** One line of a file: its text, or only its length when it was too long to read. */
export interface ReadLine {
  /** 1-based. */
  line: number;
  /** The byte offset just past this line's newline: where a read resumed after this line starts. */
  endOffset: number;
  text?: string;
  /** The line's length in bytes, when it exceeds `maxLineBytes`; then there is no `text`. */
  tooLong?: number;
  /** The line's bytes are not UTF-8 (NDJSON is UTF-8); then there is no `text`. */
  notUtf8?: true;
}

export interface ReadLinesOptions {
  /** The byte offset of the file at which `chunks` starts: 0, or the `endOffset` of a line read before. */
  startOffset: number;
  /** The number of lines before `startOffset`. */
  startLine: number;
  maxLineBytes: number;
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * Splits a byte stream into lines on `\n` (a `\r` before it is dropped). Lines are cut out of the bytes before
 * decoding, so a character split across chunks decodes whole (no UTF-8 byte is a newline). Lines inside a chunk are
 * decoded in place; only a line spanning chunks is copied together. A line over `maxLineBytes` is counted, not
 * kept, so memory stays within `maxLineBytes` plus one chunk. Blank lines are numbered but not yielded.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer | Uint8Array>,
  { startOffset, startLine, maxLineBytes }: ReadLinesOptions,
): AsyncGenerator<ReadLine> {
  let line = startLine;
  /** The absolute offset of the current chunk's first byte. */
  let offset = startOffset;
  /** The start of the current line from earlier chunks; dropped once the line is known to be too long. */
  let head: Buffer[] = [];
  let headBytes = 0;
  /** The last byte of the previous chunk: a `\r` there belongs to a newline at the start of this one. */
  let lastByte = -1;

  // A line's bytes are `headBytes` plus `chunk[start, end)`; `end` excludes the newline.
  function finish(chunk: Buffer, start: number, end: number, endOffset: number): ReadLine | undefined {
    const beforeNewline = end > start ? chunk[end - 1] : headBytes > 0 ? lastByte : -1;
    const bytes = headBytes + end - start - (beforeNewline === RETURN ? 1 : 0);
    const textEnd = end - (beforeNewline === RETURN && end > start ? 1 : 0);
    let read: ReadLine | undefined;
    if (bytes > maxLineBytes) {
      read = { line, endOffset, tooLong: bytes };
    } else {
      const raw =
        headBytes === 0 ? chunk.subarray(start, textEnd) : Buffer.concat([...head, chunk.subarray(start, textEnd)]);
      // Decoding would silently turn bad bytes into U+FFFD and import altered data; they are reported instead.
      if (!isUtf8(raw)) read = { line, endOffset, notUtf8: true };
      else {
        const text = raw.toString('utf8', 0, bytes);
        if (text.trim() !== '') read = { line, endOffset, text };
      }
    }
    head = [];
    headBytes = 0;
    return read;
  }

  for await (const data of chunks) {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      line++;
      const read = finish(chunk, start, newline, offset + newline + 1);
      if (read) yield read;
      start = newline + 1;
    }
    if (start < chunk.length) {
      // One byte over the limit may be the `\r` of a CRLF; any more and the line is too long whatever follows.
      if (headBytes + chunk.length - start <= maxLineBytes + 1) head.push(chunk.subarray(start));
      else head = [];
      headBytes += chunk.length - start;
      lastByte = chunk[chunk.length - 1]!;
    }
    offset += chunk.length;
  }
  if (headBytes > 0) {
    line++;
    const read = finish(Buffer.alloc(0), 0, 0, offset);
    if (read) yield read;
  }
}
