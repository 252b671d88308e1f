/**
 * FHIR dates as ranges. A FHIR date/dateTime/instant stands for the whole interval of its precision: `2020` is
 * [2020-01-01, 2021-01-01), `2020-01-15T10:00Z` is one minute. Search compares these ranges (FHIR R4 §3.1.1.4.2),
 * so both write-time extraction and query translation parse values into a half-open range [start, end).
 *
 * Values without a timezone (dates, or query dateTimes given without one) are read as UTC: FHIR leaves that to the
 * server, and UTC keeps the result independent of where the server runs.
 */
export interface DateRange {
  start: Date;
  /** Exclusive. */
  end: Date;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range of a FHIR date, dateTime or instant; undefined when the text is not one (or names no real day). */
export function parseDateRange(text: string): DateRange | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const start = utc(year, month - 1, day, hour, minute, second, millis) - offset * 60_000;

  let end: number;
  if (mo === undefined) end = utc(year + 1, 0, 1);
  else if (d === undefined)
    end = utc(year, month, 1); // month 12 rolls over into the next year
  else if (h === undefined) end = start + 86_400_000;
  else if (s === undefined) end = start + 60_000;
  else if (fraction === undefined) end = start + 1_000;
  else end = start + Math.max(1, 10 ** (3 - fraction.length)); // `.5` is a tenth of a second
  return { start: new Date(start), end: new Date(end) };
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** Date.UTC maps years 0-99 to 1900-1999; FHIR years are literal. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millis = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, millis));
  date.setUTCFullYear(year, month, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}
