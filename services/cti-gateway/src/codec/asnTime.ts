/**
 * `AsnSystemTime` (subset reference §3): an ASN.1 REAL holding a Windows variant time in UTC
 * (1900-01-01 00:00 = 2.0, one unit = one day), sent in estos JSON as an ISO 8601 UTC string.
 *
 * Canonical form (what the Windows C++ server writes and what we send): `YYYY-MM-DDTHH:MM:SSZ`, or
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` when the milliseconds are not 0, and `""` for "no time" (variant value < 10,
 * e.g. a call that never connected). Accepted on input: ISO strings with or without fraction and with
 * `Z`, a numeric offset, or no zone (taken as UTC); `""`; and bare numbers (variant time, as a non-Windows
 * C++ build writes them).
 */

/** Variant time of 1970-01-01T00:00:00Z. */
export const VARIANT_TIME_UNIX_EPOCH = 25569;
/** Variant values below this mean "no time" and are written as `""`. */
export const VARIANT_TIME_NO_TIME_BELOW = 10;
const MS_PER_DAY = 86_400_000;

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** Variant time → Date; `null` for "no time" (< 10) or a value outside the Date range. */
export function variantTimeToDate(variant: number): Date | null {
  if (!Number.isFinite(variant) || variant < VARIANT_TIME_NO_TIME_BELOW) return null;
  const d = new Date(Math.round((variant - VARIANT_TIME_UNIX_EPOCH) * MS_PER_DAY));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date → variant time. */
export function dateToVariantTime(date: Date): number {
  return date.getTime() / MS_PER_DAY + VARIANT_TIME_UNIX_EPOCH;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses an ISO 8601 date-time as estos peers write it; undefined if it is not one. */
function parseIso(text: string): Date | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  return new Date(utc.getTime() - offsetMinutes * 60_000);
}

/**
 * Formats a Date in canonical form: seconds precision plus `.mmm` only when the milliseconds are not 0.
 * `null`/`undefined`, and instants whose variant time is below 10 (before 1900-01-09), give `""`.
 * Years outside 0000–9999 cannot be written and give `undefined`.
 */
function formatDate(date: Date | null | undefined): string | undefined {
  if (date === null || date === undefined) return '';
  const t = date.getTime();
  if (Number.isNaN(t)) return undefined;
  if (dateToVariantTime(date) < VARIANT_TIME_NO_TIME_BELOW) return '';
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  const iso = date.toISOString();
  return date.getUTCMilliseconds() === 0 ? iso.slice(0, 19) + 'Z' : iso;
}

/**
 * Any accepted input form → canonical string (`""` for "no time"); `undefined` if the input is not a
 * valid AsnSystemTime.
 */
export function normaliseAsnTime(input: string | number): string | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    if (input < VARIANT_TIME_NO_TIME_BELOW) return '';
    const d = variantTimeToDate(input);
    return d === null ? undefined : formatDate(d);
  }
  if (typeof input !== 'string') return undefined;
  if (input === '') return '';
  const d = parseIso(input);
  return d === undefined ? undefined : formatDate(d);
}

/** True for the strings {@link normaliseAsnTime} accepts (canonical or not). */
export function isAsnTimeString(text: string): boolean {
  return normaliseAsnTime(text) !== undefined;
}

/** Canonical AsnSystemTime string → Date; `null` for `""` ("no time"). Throws TypeError if invalid. */
export function asnTimeToDate(text: string): Date | null {
  const canonical = normaliseAsnTime(text);
  if (canonical === undefined) throw new TypeError(`asnTimeToDate(): not an AsnSystemTime: ${JSON.stringify(text)}`);
  return canonical === '' ? null : new Date(canonical);
}

/** Date → canonical AsnSystemTime string; `null`/`undefined` → `""`. Throws TypeError for invalid dates. */
export function asnTimeFromDate(date: Date | null | undefined): string {
  const s = formatDate(date);
  if (s === undefined) throw new TypeError(`asnTimeFromDate(): cannot represent ${String(date)} as AsnSystemTime`);
  return s;
}
