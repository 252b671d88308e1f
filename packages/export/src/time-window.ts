import { badRequest } from '@fhir-bulk/fhir';
import { parseDateRange } from '@fhir-bulk/search';

export interface TimeWindow {
  since?: string;
  until?: string;
}

/**
 * `_since` and `_until` as ISO instants. The IG types both as FHIR instant; any FHIR dateTime is accepted (2.0.0
 * clients send `_since=2020-01-01`) and stands for the start of its period, read as UTC when it has no zone. `_until`
 * may lie in the future: the export never goes past its transactionTime anyway. A window that ends before it
 * starts is a 400.
 */
export function parseTimeWindow(since: string | undefined, until: string | undefined): TimeWindow {
  const window: TimeWindow = {};
  if (since !== undefined) window.since = parseInstant('_since', since);
  if (until !== undefined) window.until = parseInstant('_until', until);
  if (window.since && window.until && window.since > window.until) {
    throw badRequest(`_since (${since}) is after _until (${until})`, '_since');
  }
  return window;
}

/** A FHIR instant (or dateTime, as `_since` takes) as an ISO instant; a 400 naming the parameter `name` if not one. */
export function parseInstant(name: string, value: string): string {
  // An unencoded `+01:00` in a query string arrives as ` 01:00`; nothing else could have meant the space.
  const range = parseDateRange(value.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!range) throw badRequest(`${name} must be a FHIR instant such as 2024-01-31T12:00:00Z, not "${value}"`, name);
  return range.start.toISOString();
}
