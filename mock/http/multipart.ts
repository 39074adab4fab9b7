// The multipart/form-data reader, beside the JSON body reader (json-body.ts). It streams the body through busboy and
// keeps only metadata: one file's name, type and size (its bytes are counted and dropped) and a few named text fields.

import { createRequire } from 'node:module';
import type busboy from 'busboy';
import type { Request } from 'express';
import { apiError } from '../errors/catalog.js';
import { goAhead } from './go-ahead.js';

/** busboy is loaded by the first multipart body (one operation takes one): a start does not need it. */
let busboyModule: typeof busboy | undefined;
function parse(config: busboy.BusboyConfig): busboy.Busboy {
  busboyModule ??= createRequire(import.meta.url)('busboy') as typeof busboy;
  return busboyModule(config);
}

export interface MultipartLimits {
  /** The form field that carries the file; other file fields are drained unread. */
  fileField: string;
  /** Text fields to keep (a later value replaces an earlier one); others are ignored. */
  textFields: readonly string[];
  /** Largest accepted file in bytes. */
  maxFileBytes: number;
  /** Room for the framing and the text fields on top of the file. */
  overheadBytes: number;
  /** The 413001 detail for a file or body over the limit. */
  tooLargeDetail: string;
}

export interface MultipartUpload {
  file: { fileName: string; mimeType: string; size: number } | null;
  fields: Record<string, string>;
}

/**
 * Read a multipart upload. Beyond the file limit (or the file limit plus the overhead for the whole body) the parser
 * is detached, the rest of the body is drained unparsed and the promise rejects with 413001; a body busboy cannot
 * read, or one cut short by the client, rejects with 400001.
 */
export function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartUpload> {
  return new Promise((resolve, reject) => {
    // A body declared longer than the whole-body limit is refused before a byte of it is read.
    if (!goAhead(req, limits.maxFileBytes + limits.overheadBytes, 'wire')) {
      reject(apiError('413001', { detail: limits.tooLargeDetail }));
      return;
    }
    const upload: MultipartUpload = { file: null, fields: {} };
    let parser: busboy.Busboy;
    try {
      parser = parse({
        headers: req.headers,
        // File names are UTF-8 (what browsers, curl and FormData send); busboy's default reads them as Latin-1, which
        // turns a no-break space into two characters and hides a card number split by them from redaction.
        defParamCharset: 'utf8',
        // busboy emits 'limit' once a file reaches fileSize bytes: one more than allowed means too large.
        limits: { fileSize: limits.maxFileBytes + 1, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
      });
    } catch (error) {
      reject(
        apiError('400001', {
          errors: { $: [`The multipart body cannot be read: ${(error as Error).message}`] },
        }),
      );
      return;
    }
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.removeListener('data', countRequest);
      req.resume(); // drain (and drop) whatever the client still sends
      reject(error);
    };
    const tooLarge = () => fail(apiError('413001', { detail: limits.tooLargeDetail }));
    let requestBytes = 0;
    function countRequest(chunk: Buffer) {
      requestBytes += chunk.length;
      if (requestBytes > limits.maxFileBytes + limits.overheadBytes) tooLarge();
    }
    req.on('data', countRequest);

    parser.on('file', (name, stream, info) => {
      if (name !== limits.fileField || upload.file) {
        stream.resume();
        return;
      }
      const file = { fileName: info.filename ?? limits.fileField, mimeType: info.mimeType, size: 0 };
      upload.file = file;
      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
      });
      stream.on('limit', tooLarge);
    });
    parser.on('field', (name, value) => {
      if (limits.textFields.includes(name)) upload.fields[name] = value;
    });
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      req.removeListener('data', countRequest);
      resolve(upload);
    });
    parser.on('error', (error: Error) =>
      fail(apiError('400001', { errors: { $: [`The multipart body cannot be read: ${error.message}`] } })),
    );
    // A client that hangs up mid-upload: nobody reads the answer, but the promise must still settle.
    req.on('close', () => {
      if (!req.complete) fail(apiError('400001', { errors: { $: ['The upload was aborted.'] } }));
    });
    req.pipe(parser);
  });
}
