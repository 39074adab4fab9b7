// The web inspector: its static page (assets.ts), the journal stream (stream.ts), and the two reports the admin API
// serves for it (prerequisites.ts, credentials.ts). Mounted by the admin router; each part takes only what it reads.

export { INSPECTOR_CSP, INSPECTOR_PATH, inspectorFiles, securityHeaders } from './assets.js';
export { credentialsView } from './credentials.js';
export { prerequisitesReport } from './prerequisites.js';
export { type JournalFeed, journalStream, type StreamOptions } from './stream.js';
