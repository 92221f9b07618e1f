// How long the OTLP exporter waits before its next attempt: the backend's Retry-After (delay-seconds or an
// HTTP-date, RFC 9110 §10.2.3, §5.6.7) when it gives a usable one, else exponential backoff with jitter.

/** Exponential backoff with ±20% jitter (exporter.md: jitter is a MUST); attempt 1 → initial. */
export function backoff(attempt: number, initial: number, max: number): number {
  const base = Math.min(max, initial * 1.5 ** (attempt - 1));
  return Math.max(0, Math.round(base * (0.8 + 0.4 * Math.random())));
}

/**
 * Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3, §5.6.7); null when absent or anything else
 * ("1.5", "-1": V8's Date.parse would read those as dates in 2001, i.e. retry at once), so the caller backs off.
 */
export function retryAfterMs(v: string | undefined, now = Date.now()): number | null {
  if (v === undefined) return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = httpDate(s, now);
  return t === null ? null : Math.max(0, t - now);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete rfc850-date / asctime-date) as epoch ms; null otherwise. */
export function httpDate(s: string, now = Date.now()): number | null {
  let m = IMF_FIXDATE.exec(s);
  if (m !== null) return utc(+m[3]!, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  if ((m = RFC850_DATE.exec(s)) !== null) {
    // §5.6.7: a two-digit year is the latest year with those digits not more than 50 years ahead (a sliding
    // window: in 2099, "00" is next year, not a century ago)
    const limit = new Date(now).getUTCFullYear() + 50;
    const y = limit - ((limit - +m[3]!) % 100);
    return utc(y, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  }
  if ((m = ASCTIME_DATE.exec(s)) !== null) return utc(+m[6]!, m[1]!, +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!);
  return null;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function utc(y: number, mon: string, d: number, h: number, mi: number, sec: number): number | null {
  const mo = MONTHS.indexOf(mon);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  // no 31 Feb; second 60 is a leap second (§5.6.7)
  if (mo < 0 || d < 1 || d > (mo === 1 && leap ? 29 : DAYS[mo]!) || h > 23 || mi > 59 || sec > 60) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0..99 as 1900..1999
  const t = new Date(0);
  t.setUTCFullYear(y, mo, d);
  return t.setUTCHours(h, mi, sec, 0);
}
