// Onboarding documents: upload (multipart; only metadata is kept), list, read and delete an application's documents.

import type { DocumentRecord, PartnerState } from '../../../domain/partner-store.js';
import { apiError } from '../../../errors/catalog.js';
import { redactText } from '../../../support/redact.js';
import { readMultipart } from '../../multipart.js';
import type { Ctx, Reply } from '../../types.js';
import { findApplication } from './applications.js';
import { actionSuccess, iso, str } from './shared.js';

/** Largest accepted document (documented: 10 MB, read as 10 MiB). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Room for the multipart framing and the text fields on top of the file (invented). */
const MULTIPART_OVERHEAD_BYTES = 256 * 1024;
/** How long a download URL stays valid (invented; S3 pre-signed URLs often use 15 minutes). */
const DOWNLOAD_URL_TTL_S = 15 * 60;

/** Accepted document types (documented list: PDF, JPEG, PNG, XLS, CSV, DOC), by extension and by MIME type. */
const DOCUMENT_TYPES: { extensions: string[]; mime: string }[] = [
  { extensions: ['pdf'], mime: 'application/pdf' },
  { extensions: ['jpg', 'jpeg'], mime: 'image/jpeg' },
  { extensions: ['png'], mime: 'image/png' },
  { extensions: ['xls'], mime: 'application/vnd.ms-excel' },
  { extensions: ['csv'], mime: 'text/csv' },
  { extensions: ['doc'], mime: 'application/msword' },
];

/** The MIME type to record for an upload, or null when neither its extension nor its MIME type is accepted. */
function documentMime(fileName: string, mime: string): string | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const byMime = DOCUMENT_TYPES.find((t) => t.mime === mime.toLowerCase());
  if (byMime) return byMime.mime;
  return DOCUMENT_TYPES.find((t) => t.extensions.includes(extension))?.mime ?? null;
}

/**
 * A mock download URL on this server (invented: the real API returns a pre-signed, time-limited storage URL). It
 * points at the document's metadata endpoint; the mock never keeps the file itself.
 */
function downloadUrl(ctx: Ctx, d: DocumentRecord): string {
  const host = ctx.req.get('host') ?? '';
  const safeHost = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)
    ? host
    : '127.0.0.1:4848';
  const expires = Math.floor(ctx.services.clock.now() / 1000) + DOWNLOAD_URL_TTL_S;
  return (
    `${ctx.req.protocol}://${safeHost}/v1/onboarding/application/${encodeURIComponent(d.applicationId)}` +
    `/documents/${encodeURIComponent(d.documentId)}?download=1&expires=${expires}`
  );
}

function documentView(ctx: Ctx, d: DocumentRecord): Record<string, unknown> {
  return {
    documentId: d.documentId,
    documentType: d.documentType,
    description: d.description,
    uploadedOn: iso(d.uploadedOn),
    fileName: d.fileName,
    fileType: d.fileType,
    fileSize: d.fileSize,
    downloadUrl: downloadUrl(ctx, d),
  };
}

/** `document_` + six digits (the docs' example form), unique within the session. */
function newDocumentId(ctx: Ctx, state: PartnerState): string {
  for (;;) {
    const id = `document_${ctx.session.data.faker.string.numeric(6)}`;
    if (!state.documents.has(id)) return id;
  }
}

/** uploadDocument: attach a file (multipart `document`, `documentType`, `description`); only metadata is kept. */
export async function uploadDocument(ctx: Ctx): Promise<Reply> {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const contentType = String(ctx.req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw apiError('415001', {
      detail: `Got content type "${contentType || '(none)'}"; send multipart/form-data with a \`document\` file.`,
    });
  }
  const upload = await readMultipart(ctx.req, {
    fileField: 'document',
    textFields: ['documentType', 'description'],
    maxFileBytes: MAX_DOCUMENT_BYTES,
    overheadBytes: MULTIPART_OVERHEAD_BYTES,
    tooLargeDetail: `The limit for documents is 10 MB (${MAX_DOCUMENT_BYTES} bytes).`,
  });
  const documentTypeField = upload.fields.documentType ?? null;
  const errors: Record<string, string[]> = {};
  const fileType = upload.file ? documentMime(upload.file.fileName, upload.file.mimeType) : null;
  if (!upload.file) errors.Document = ['The Document field is required.'];
  else if (fileType === null)
    errors.Document = [
      `The file type of "${upload.file.fileName}" is not accepted: send a PDF, JPEG, PNG, XLS, CSV or DOC file.`,
    ];
  else if (upload.file.size === 0) errors.Document = ['The Document file is empty.'];
  if (!documentTypeField?.trim()) errors.DocumentType = ['The DocumentType field is required.'];
  if (!upload.file || fileType === null || Object.keys(errors).length > 0)
    throw apiError('400001', { errors });

  const state = ctx.session.partner();
  const document: DocumentRecord = {
    documentId: newDocumentId(ctx, state),
    applicationId: a.id,
    // The texts are answered back in listings: kept redacted, as every echoed request text (multipart fields escape the
    // strict scan).
    documentType: redactText((documentTypeField ?? '').trim()),
    description: str(upload.fields.description),
    fileName: redactText(upload.file.fileName),
    fileType,
    fileSize: upload.file.size,
    uploadedOn: ctx.services.clock.now(),
  };
  state.addDocument(document);
  a.lastUpdatedOn = document.uploadedOn;
  return {
    body: {
      status: 'SUCCESS',
      success: true,
      result: 'Document uploaded successfully.',
      uploadedDocumentId: document.documentId,
      errors: [],
    },
  };
}

/** listDocuments: the application's documents, oldest first, each with a fresh download URL. */
export function listDocuments(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const documents = ctx.session
    .partner()
    .documentsOf(a.id)
    .map((d) => documentView(ctx, d));
  return {
    body: { status: 'SUCCESS', success: true, totalDocuments: documents.length, documents, errors: [] },
  };
}

function findDocument(ctx: Ctx): DocumentRecord {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const id = ctx.params.documentId ?? '';
  const document = ctx.session.partner().documents.get(id);
  if (!document || document.applicationId !== a.id) {
    throw apiError('404006', { detail: `No document ${id} on application ${a.id}.` });
  }
  return document;
}

/** getDocument: one document's metadata (the response shape, the document object itself, is invented). */
export function getDocument(ctx: Ctx): Reply {
  return { body: documentView(ctx, findDocument(ctx)) };
}

/** deleteDocument: remove a document (HTTP 200 with the submit/cancel envelope; invented response). */
export function deleteDocument(ctx: Ctx): Reply {
  const document = findDocument(ctx);
  ctx.session.partner().removeDocument(document.documentId);
  return actionSuccess('Document deleted successfully.');
}
