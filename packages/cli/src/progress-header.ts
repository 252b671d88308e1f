/**
 * What a running job's `X-Progress` says, read for a progress display (pure, unit-tested). The server writes e.g.
 * `Exporting 45%: 5400 of 12000 resources (Patient 1000, Observation 4400)`, `Exporting: 5400 resources written`
 * (no percentage where the store cannot count cheaply), `Importing 12%: 1 of 3 files, …` or `Planning`; the IG
 * leaves the text free, so anything else is shown as it is, without a percentage.
 */
export interface Progress {
  text: string;
  /** 0–100 when the text names one. */
  percent?: number;
}

export function parseProgress(header: string | null | undefined): Progress {
  const text = (header ?? '').trim() || 'In progress';
  const match = /(\d{1,3}(?:\.\d+)?)\s*%/.exec(text);
  const percent = match ? Number(match[1]) : undefined;
  return percent !== undefined && percent <= 100 ? { text, percent } : { text };
}

/**
 * How long to wait before the next poll: the server's `Retry-After` (seconds, or an HTTP date), else `fallbackMs`;
 * never less than `minMs`, so a server that says 0 is not hammered.
 */
export function retryAfterMs(header: string | null | undefined, fallbackMs: number, now = Date.now(), minMs = 200) {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(minMs, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(minMs, date - now);
}
