// Properties of the Retry-After parser (src/retry-delay.ts) against an oracle written from RFC 9110 §10.2.3 and
// §5.6.7: the three HTTP-date forms matched by fixed-width templates, calendar arithmetic by days-from-civil
// (proleptic Gregorian, no Date), the rfc850 two-digit-year rule as a modulo; and a format → parse round trip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { retryAfterMs, httpDate } from '../src/retry-delay.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const DAY3 = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAYL = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---- calendar oracle (H. Hinnant's days_from_civil), no Date involved
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
function epochMs(y: number, m: number, d: number, h: number, mi: number, s: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > monthDays(y, m) || h > 23 || mi > 59 || s > 60) return null; // s = 60: leap second
  return ((daysFromCivil(y, m, d) * 24 + h) * 60 + mi) * 60000 + s * 1000;
}

// ---- template oracle, after the day name: # a digit, _ a space or digit, @@@ a month name, everything else literal
function fields(s: string, day: string, tpl: string): { n: number[]; mon: number } | null {
  if (!s.startsWith(day)) return null;
  s = s.slice(day.length);
  if (s.length !== tpl.length) return null;
  const n: number[] = [];
  let cur = '';
  let mon = -1;
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i]!, c = s[i]!;
    if (t === '#' || t === '_') {
      if (!(c >= '0' && c <= '9') && !(t === '_' && c === ' ')) return null;
      cur += c;
      if (tpl[i + 1] !== '#') { n.push(Number(cur.trim())); cur = ''; }
    } else if (t === '@') {
      mon = MON.indexOf(s.slice(i, i + 3)) + 1;
      if (mon === 0) return null;
      i += 2;
    } else if (t !== c) return null;
  }
  return { n, mon };
}
function twoDigitYear(yy: number, now: number): number {
  const limit = new Date(now).getUTCFullYear() + 50; // the most recent year with these digits not more than 50 years ahead
  return limit - (((limit - yy) % 100) + 100) % 100;
}
function oracleDate(s: string, now: number): number | null {
  for (const d of DAY3) {
    let f = fields(s, d, ', ## @@@ #### ##:##:## GMT');
    if (f) return epochMs(f.n[1]!, f.mon, f.n[0]!, f.n[2]!, f.n[3]!, f.n[4]!);
    f = fields(s, d, ' @@@ _# ##:##:## ####');
    if (f) return epochMs(f.n[4]!, f.mon, f.n[0]!, f.n[1]!, f.n[2]!, f.n[3]!);
  }
  for (const d of DAYL) {
    const f = fields(s, d, ', ##-@@@-## ##:##:## GMT');
    if (f) return epochMs(twoDigitYear(f.n[1]!, now), f.mon, f.n[0]!, f.n[2]!, f.n[3]!, f.n[4]!);
  }
  return null;
}
function oracleRetry(v: string | undefined, now: number): number | null {
  if (v === undefined) return null;
  const s = v.replace(/^\s+|\s+$/g, '');
  if (s !== '' && [...s].every((c) => c >= '0' && c <= '9')) return Number(s) * 1000;
  const t = oracleDate(s, now);
  return t === null ? null : Math.max(0, t - now);
}

// ---- generators: dates from components (some out of range), rendered in one of the three forms, then mutated
const p2 = (n: number) => String(n).padStart(2, '0');
const comp = fc.record({
  y: fc.oneof(fc.integer({ min: 1000, max: 2200 }), fc.integer({ min: 0, max: 999 })) /* below 100: Date.UTC reads 19xx; written 4-digit below */, m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 0, max: 32 }),
  h: fc.integer({ min: 0, max: 24 }), mi: fc.integer({ min: 0, max: 60 }), s: fc.integer({ min: 0, max: 61 }), wd: fc.nat(6),
});
const rendered = fc.tuple(comp, fc.constantFrom(0, 1, 2)).map(([c, form]) => {
  const mon = MON[c.m - 1]!;
  const time = `${p2(c.h)}:${p2(c.mi)}:${p2(c.s)}`;
  const y4 = String(c.y).padStart(4, '0');
  if (form === 0) return `${DAY3[c.wd]}, ${p2(c.d)} ${mon} ${y4} ${time} GMT`;
  if (form === 1) return `${DAYL[c.wd]}, ${p2(c.d)}-${mon}-${p2(c.y % 100)} ${time} GMT`;
  return `${DAY3[c.wd]} ${mon} ${String(c.d).padStart(2, c.d < 10 && c.wd % 2 ? '0' : ' ')} ${time} ${y4}`;
});
const ODD = [' ', '  ', '\t', '0', '9', 'x', ',', '-', ':', 'GMT', 'jan', 'JAN', 'Sept', 'UTC', '+0000', '\n', '١'];
const mutation = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...ODD)).map(([p, c]) => (s: string) => { const i = p % (s.length + 1); return s.slice(0, i) + c + s.slice(i); }),
  fc.nat().map((p) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + s.slice(i + 1); }),
  fc.tuple(fc.nat(), fc.constantFrom(...ODD)).map(([p, c]) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + c + s.slice(i + 1); }),
);
const nearDate = fc.tuple(rendered, fc.array(mutation, { maxLength: 2 })).map(([s, ms]) => ms.reduce((a, m) => m(a), s));
const delta = fc.oneof(fc.nat().map(String), fc.constantFrom('0', '007', '1.5', '-1', '+3', '1e3', '0x10', '120 ', ' 120', '\t5\t', '', '   ', '١٢'));
const header = fc.oneof(rendered, nearDate, nearDate, delta, fc.string({ maxLength: 30 }));
const nowGen = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2150, 0, 1) });

test('httpDate ⇔ the template + calendar oracle on rendered, mutated and arbitrary strings; never throws', () => {
  fc.assert(fc.property(header, nowGen, (s, now) => {
    assert.is(httpDate(s, now), oracleDate(s, now), JSON.stringify([s, new Date(now).toISOString()]));
  }), { numRuns: RUNS * 3 });
});

test('retryAfterMs ⇔ the oracle: delta-seconds, or the date minus now (never negative), else null', () => {
  fc.assert(fc.property(fc.option(header, { nil: undefined }), nowGen, (v, now) => {
    const got = retryAfterMs(v, now);
    assert.is(got, oracleRetry(v, now), JSON.stringify([v, new Date(now).toISOString()]));
    if (got !== null) assert.ok(got >= 0);
  }), { numRuns: RUNS * 2 });
});

test('round trip: any instant, written as IMF-fixdate or asctime (and as rfc850 within 50 years), reads back to the second', () => {
  fc.assert(fc.property(fc.integer({ min: Date.UTC(1000, 0, 1) / 1000, max: Date.UTC(9999, 11, 31) / 1000 }), nowGen, (sec, now) => {
    const t = new Date(sec * 1000);
    const imf = t.toUTCString(); // ECMAScript's toUTCString is the IMF-fixdate layout
    assert.is(httpDate(imf, now), sec * 1000, imf);
    const [wd, dd, mon, yyyy, time] = imf.replace(',', '').split(' ');
    const asc = `${wd} ${mon} ${dd!.replace(/^0/, ' ')} ${time} ${yyyy}`;
    assert.is(httpDate(asc, now), sec * 1000, asc);
    const yearsAhead = t.getUTCFullYear() - new Date(now).getUTCFullYear();
    if (yearsAhead <= 50 && yearsAhead > -50) {
      const rfc850 = `${DAYL[t.getUTCDay()]}, ${dd}-${mon}-${yyyy!.slice(2)} ${time} GMT`;
      assert.is(httpDate(rfc850, now), sec * 1000, rfc850);
    }
  }), { numRuns: RUNS });
});

test.run();
