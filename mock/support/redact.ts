// Redaction: the one place that decides what of a request, a response, a webhook or a log line may be kept (the
// journal, HAR exports, webhook payloads and records, log lines, admin answers, error messages). Two small tables:
// KEY_RULES (a field or header whose name says what it holds) and TEXT_RULES (a pattern found inside any string).
// A new secret pattern is one row. redact() deep-copies, redactJson() serialises that copy; nothing here throws and
// the input is never modified.
// The rules and the walk live in redact/ by concern: markers, card numbers, text rules, key rules, the walk, and
// the sinks (headers, URLs, loggers); this module is what the rest of the mock imports.

export { luhnValid, maskPan } from './redact/cards.js';
export { KEY_RULES } from './redact/keys.js';
export { REDACTED, REDACTED_KEY, REDACTED_TOKEN, REDACTED_TRACK } from './redact/markers.js';
export {
  cardDataPath,
  isCardKey,
  redactHeaders,
  redactingLogger,
  redactPath,
  redactUrl,
} from './redact/sinks.js';
export {
  cardSafeId,
  hasCardData,
  redactText,
  registerSecret,
  TEXT_RULES,
  type TextRule,
} from './redact/text.js';
export { type RedactOptions, redact, redactJson, redactStringsJson } from './redact/walk.js';
