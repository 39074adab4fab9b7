// Reading date-times from requests the way the real API does: a value without a zone designator is UTC.
//
// JavaScript's Date.parse reads `2027-01-20T00:00:00` (and every non-ISO form without a zone) in the host's time zone,
// so the same request meant different instants on a developer's laptop and in CI. The real API (ASP.NET, UTC servers)
// reads such values as UTC; so does this.

/** An ISO 8601 / RFC 3339 date-time with an explicit zone: `Z`, `+hh:mm`, `+hhmm` or `+hh`. */
const ISO_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;
/** An ISO 8601 date-time without a zone (Date.parse would read it as local time). */
const ISO_LOCAL = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)$/;
/** A zone named in a non-ISO form: GMT/UTC/Z, a +hhmm offset, or a US zone abbreviation Date.parse understands. */
const NAMED_ZONE = /(?:\b(?:GMT|UTC|UT|Z|[ECMP][SD]T)\b|[+-]\d{2}:?\d{2}\s*$)/i;

/** Whether `ms` is an instant a Date can hold (toISOString throws beyond ±8.64e15 ms). */
export function isInstant(ms: unknown): ms is number {
  return typeof ms === 'number' && Math.abs(ms) <= 8.64e15;
}

/**
 * Milliseconds since the epoch for a date-time string, reading a value without a zone as UTC; NaN when unparsable.
 *
 * @example
 * parseInstant('2027-01-20T00:00:00');            // 1800403200000 under any TZ
 * parseInstant('Wed, 20 Jan 2027 00:00:00 GMT');  // the same instant (RFC 1123, the sample client's form)
 */
export function parseInstant(text: string): number {
  const value = text.trim();
  if (ISO_WITH_ZONE.test(value)) return Date.parse(value.replace(' ', 'T').replace(',', '.'));
  const local = ISO_LOCAL.exec(value);
  if (local) return Date.parse(`${local[1]}T${(local[2] as string).replace(',', '.')}Z`);
  // A date alone (2027-01-20) is UTC for Date.parse already.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(value);
  const parsed = Date.parse(value);
  if (!Number.isFinite(parsed) || NAMED_ZONE.test(value)) return parsed;
  // Any other zone-less form was read in the host's zone: take its wall-clock fields as UTC instead.
  const d = new Date(parsed);
  return Date.UTC(
    d.getFullYear(),
    d.getMonth(),
    d.getDate(),
    d.getHours(),
    d.getMinutes(),
    d.getSeconds(),
    d.getMilliseconds(),
  );
}
