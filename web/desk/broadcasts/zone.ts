// A broadcast's start and end are instants (RFC 3339); the editor shows
// them as the workspace's wall-clock time (its time zone, in Preferences),
// whatever zone the agent's browser is in: "starts Monday 09:00" means
// 09:00 where the business is. A datetime-local input has no zone, so the
// two conversions live here, pure, with the zone's rules from Intl.

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter of wall-clock parts in zone ('' or an unknown zone: UTC). */
function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    const o: Intl.DateTimeFormatOptions = { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' };
    try {
      f = new Intl.DateTimeFormat('en-US', { ...o, timeZone: zone || 'UTC' });
    } catch {
      f = new Intl.DateTimeFormat('en-US', { ...o, timeZone: 'UTC' });
    }
    formats.set(zone, f);
  }
  return f;
}

/** The wall clock in zone at instant t, as if it were UTC (ms; seconds kept, milliseconds dropped). */
function wall(t: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const x of format(zone).formatToParts(new Date(t))) p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** How far zone's clock is ahead of UTC at instant t, in ms. */
const offset = (t: number, zone: string) => wall(t, zone) - Math.floor(t / 1000) * 1000;

const DAY = 86_400_000;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * toInstant reads a datetime-local value ("2025-03-30T09:00") as a time in
 * zone and gives the instant in RFC 3339 (UTC, "2025-03-30T07:00:00Z"); ''
 * when the value is empty or not a time. A time the clocks skip (a spring
 * DST gap) is taken as that long after the gap, as browsers do; a time
 * that happens twice (autumn) is the first of the two.
 */
export function toInstant(local: string, zone: string): string {
  const m = LOCAL.exec(local);
  if (!m) return '';
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  if (Number.isNaN(asUtc)) return '';
  // The zone's offsets a day before and after: the same unless the clocks
  // change near then. Each gives a reading; the first that holds wins.
  const before = offset(asUtc - DAY, zone);
  const after = offset(asUtc + DAY, zone);
  const fits = (o: number) => offset(asUtc - o, zone) === o;
  const t = fits(before) ? asUtc - before : fits(after) ? asUtc - after : asUtc - before; // neither: in a gap
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** toLocal is an instant as a datetime-local value in zone ("2025-03-30T09:00"); '' for none or not a time. */
export function toLocal(iso: string | null | undefined, zone: string): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  return new Date(wall(t, zone)).toISOString().slice(0, 16);
}

/** The browser's own zone: where the desk counts when the workspace's is unknown. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
