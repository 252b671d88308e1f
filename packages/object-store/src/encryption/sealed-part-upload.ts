import type { MasterKey } from '@fhir-bulk/config';
import { type PartUpload, type PartUploads, UnclosableUploadError, type UploadProgress } from '../part-uploads';
import { ObjectIntegrityError } from './errors';
import { HEADER_BYTES, newObjectKey, type ObjectKey, openHeader } from './header';
import { SEALED_SEGMENT_BYTES, sealSegments, SEGMENT_BYTES } from './segments';

/**
 * A multipart upload of an encrypted object, in the same format as `put` writes (segments.ts): the header leads the
 * first part, and each part but the last holds whole 64 KiB segments, sealed as not last, so the parts joined are
 * the object and it opens as one. The segment that closes the object is sealed only in the last part: a part never
 * takes the last byte it is given. The header (its data key wrapped by a master key, bound to the object's name)
 * travels in the progress as `sealing`, so a resumed upload seals its next segments with the same data key.
 */
export class SealedPartUpload implements PartUpload {
  constructor(
    private readonly name: string,
    private readonly stored: PartUpload,
    private readonly key: ObjectKey & { header: Buffer },
    /** Plaintext bytes in the completed parts: always whole segments. */
    private plain = 0,
  ) {}

  get progress(): UploadProgress | undefined {
    const progress = this.stored.progress;
    return progress && { ...progress, bytes: this.plain, sealing: this.key.header.toString('base64') };
  }

  async putPart(content: Buffer): Promise<number> {
    const segments = Math.floor((content.length - 1) / SEGMENT_BYTES);
    if (segments <= 0) return 0;
    const plain = content.subarray(0, segments * SEGMENT_BYTES);
    const sealed = sealSegments(this.key, this.plain / SEGMENT_BYTES, plain, false);
    const body = Buffer.concat(this.plain === 0 ? [this.key.header, ...sealed] : sealed);
    const taken = await this.stored.putPart(body);
    if (taken !== body.length) throw new Error(`the store took ${taken} of a part's ${body.length} sealed bytes`);
    this.plain += plain.length;
    return plain.length;
  }

  async complete(rest: Buffer): Promise<{ size: number }> {
    if (this.plain > 0 && rest.length === 0) throw new UnclosableUploadError(this.name);
    const sealed = sealSegments(this.key, this.plain / SEGMENT_BYTES, rest, true);
    await this.stored.complete(Buffer.concat(this.plain === 0 ? [this.key.header, ...sealed] : sealed));
    return { size: this.plain + rest.length };
  }

  abort(): Promise<void> {
    return this.stored.abort();
  }
}

/** Part uploads of encrypted objects over the part uploads of the store that keeps them. */
export function sealedPartUploads(stored: PartUploads, keyring: readonly MasterKey[]): PartUploads {
  return {
    startUpload: (key, contentType) =>
      new SealedPartUpload(key, stored.startUpload(key, contentType), newObjectKey(keyring.at(-1)!, key)),
    async resumeUpload(key, contentType, progress) {
      const { sealing, ...rest } = progress;
      if (!sealing) throw new ObjectIntegrityError(key, 'its upload was not started encrypted');
      const header = Buffer.from(sealing, 'base64');
      const objectKey = { ...openHeader(header, keyring, key), header };
      // As stored, the completed parts hold the header, then whole sealed segments.
      const bytes = HEADER_BYTES + (progress.bytes / SEGMENT_BYTES) * SEALED_SEGMENT_BYTES;
      const resumed = await stored.resumeUpload(key, contentType, { ...rest, bytes });
      return resumed && new SealedPartUpload(key, resumed, objectKey, progress.bytes);
    },
    abortUploads: (prefix) => stored.abortUploads(prefix),
  };
}
