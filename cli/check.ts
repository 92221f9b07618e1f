// `tracewire check <url>`: the W3C Trace Context acceptance contract as an executable CI check: send
// no/valid/invalid/duplicated traceparent headers and a huge tracestate, read the trace ID the service
// returns (server-timing, traceresponse or x-trace-id), and verify preservation, restart and liveness.
import { request as httpRequest, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { EXIT_FINDING, EXIT_OK, EXIT_USAGE, OUTPUT_HELP, OUTPUT_OPTIONS, UsageError, num, out, styleFor, type Command, type Values } from './args.js';
import { clean, table } from './term.js';

export interface Reply { status: number; traceId: string | null; spanId: string | null; via: string; error: string | null }
export interface CheckResult { ac: string; name: string; result: 'pass' | 'fail' | 'skip'; detail: string }

const TP = /(?:^|[^0-9a-f])[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}/;

/** The trace (and span) ID a response reports: server-timing `trace;desc=00-…` (L3 draft), traceresponse, x-trace-id. */
export function traceOf(h: IncomingHttpHeaders): { traceId: string; spanId: string | null; via: string } | null {
  const t = reportedTrace(h);
  return t === null || /^0+$/.test(t.traceId) ? null : t; // an all-zero ID is no trace ID (W3C §3.2.2.3)
}

function reportedTrace(h: IncomingHttpHeaders): { traceId: string; spanId: string | null; via: string } | null {
  const st = h['server-timing'];
  const sts = Array.isArray(st) ? st.join(',') : st;
  if (typeof sts === 'string') {
    for (const entry of sts.split(',')) {
      const e = entry.trim();
      if (!/^trace\s*(;|$)/i.test(e)) continue;
      const m = /;\s*desc\s*=\s*"?([^";]*)"?/i.exec(e);
      const tp = m ? TP.exec(m[1]!.toLowerCase()) : null;
      if (tp) return { traceId: tp[1]!, spanId: tp[2]!, via: 'server-timing' };
    }
  }
  const tr = h.traceresponse;
  if (typeof tr === 'string') { const m = TP.exec(tr.trim().toLowerCase()); if (m) return { traceId: m[1]!, spanId: m[2]!, via: 'traceresponse' }; }
  const x = h['x-trace-id'];
  if (typeof x === 'string' && /^[0-9a-f]{32}$/i.test(x.trim())) return { traceId: x.trim().toLowerCase(), spanId: null, via: 'x-trace-id' };
  return null;
}

/**
 * One request; the reply is its status and headers, so it is settled when they arrive: a streaming endpoint
 * (server-sent events, a body that never ends) must not hold the check. The body is drained until the
 * deadline, which also bounds a server that accepts and never answers or trickles its headers.
 */
export function send(url: URL, headers: OutgoingHttpHeaders, timeoutMs: number, method: string, insecure = false): Promise<Reply> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: Reply): void => { if (!settled) { settled = true; resolve(r); } };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, agent: false, rejectUnauthorized: !insecure }, (res) => {
      const t = traceOf(res.headers);
      res.resume(); // the body is not ours to read; drain it so the socket closes
      res.on('error', () => {});
      settle({ status: res.statusCode ?? 0, traceId: t?.traceId ?? null, spanId: t?.spanId ?? null, via: t?.via ?? 'none', error: null });
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e: NodeJS.ErrnoException) => settle({ status: 0, traceId: null, spanId: null, via: 'none', error: e.code ?? e.message }));
    req.end();
  });
}

/** OpenSSL's X509 verify codes and node:tls's host check: a certificate this process does not trust. */
const isCertError = (code: string): boolean => code.startsWith('CERT_') || code.includes('SELF_SIGNED') || code.startsWith('UNABLE_TO_')
  || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'INVALID_CA';

const hex = (bytes: number): string => {
  let s = '';
  do s = randomBytes(bytes).toString('hex'); while (/^0+$/.test(s));
  return s;
};

/** Invalid traceparent values, one per grammar rule (W3C Trace Context §3.2.2, §3.2.4; test.py cases). */
export function invalidCases(T: string, S: string): Array<[string, string]> {
  return [
    ['uppercase hex', `00-${T.toUpperCase()}-${S.toUpperCase()}-01`],
    ['version ff', `ff-${T}-${S}-01`],
    ['all-zero trace-id', `00-${'0'.repeat(32)}-${S}-01`],
    ['all-zero parent-id', `00-${T}-${'0'.repeat(16)}-01`],
    ['trace-id one digit short', `00-${T.slice(1)}-${S}-01`],
    ['trace-id one digit long', `00-${T}0-${S}-01`],
    ['parent-id one digit short', `00-${T}-${S.slice(1)}-01`],
    ['version 00 with trailing data', `00-${T}-${S}-01-extra`],
    ['version 00 with a trailing dot', `00-${T}-${S}-01.`],
    ['underscores for dashes', `00_${T}_${S}_01`],
    ['non-hex digit in trace-id', `00-${T.slice(0, 31)}g-${S}-01`],
    ['flags one digit', `00-${T}-${S}-1`],
  ];
}

export async function runChecks(url: URL, o: { timeoutMs: number; method: string; headers: Record<string, string>; insecure?: boolean }): Promise<{ results: CheckResult[]; unreachable: string | null }> {
  const results: CheckResult[] = [];
  const go = (h: OutgoingHttpHeaders): Promise<Reply> => send(url, { ...o.headers, ...h }, o.timeoutMs, o.method, o.insecure === true);
  const add = (ac: string, name: string, pass: boolean | null, detail: string): void => { results.push({ ac, name, result: pass === null ? 'skip' : pass ? 'pass' : 'fail', detail }); };
  const base = await go({});
  if (base.error !== null) return { results, unreachable: base.error };
  const broke = (r: Reply): boolean => r.error !== null || (r.status >= 500 && base.status < 500);
  const how = (r: Reply): string => (r.error !== null ? `request failed: ${r.error}` : `HTTP ${r.status}, trace ${r.traceId ?? 'none'} via ${r.via}`);

  add('AC-001', 'no traceparent: the response carries a trace ID', base.traceId !== null, how(base));
  const again = await go({});
  add('AC-001', 'no traceparent: a new trace ID per request', again.traceId !== null && again.traceId !== base.traceId, `${base.traceId ?? 'none'} then ${again.traceId ?? 'none'}`);

  const T = hex(16);
  const S = hex(8);
  const valid = await go({ traceparent: `00-${T}-${S}-01` });
  add('AC-001', 'valid traceparent: its trace ID is preserved', valid.traceId === T, `sent ${T}; ${how(valid)}`);
  add('AC-002', 'valid traceparent: the service answers with its own span ID', valid.spanId === null ? null : valid.spanId !== S,
    valid.spanId === null ? `no span ID in the response (x-trace-id only)` : `sent parent ${S}, got ${valid.spanId}`);
  const T2 = hex(16);
  const unsampled = await go({ traceparent: `00-${T2}-${S}-00` });
  add('AC-001', 'unsampled traceparent (flags 00): trace ID still preserved', unsampled.traceId === T2, `sent ${T2}; ${how(unsampled)}`);
  const T3 = hex(16);
  const future = await go({ traceparent: `cc-${T3}-${S}-01-what-the-future-will-be-like` });
  add('AC-001', 'higher version with extra fields: trace ID preserved', future.traceId === T3, `sent ${T3}; ${how(future)}`);

  for (const [what, value] of invalidCases(T, S)) {
    const r = await go({ traceparent: value });
    const restarted = r.traceId !== null && r.traceId !== T;
    add('AC-001', `invalid traceparent (${what}): restart with a new trace ID`, restarted && !broke(r), `sent ${clean(value, 80)}; ${how(r)}`);
  }
  const D1 = hex(16);
  const D2 = hex(16);
  const dup = await go({ traceparent: [`00-${D1}-${S}-01`, `00-${D2}-${S}-01`] }); // two header lines
  add('AC-001', 'two traceparent headers: restart with a new trace ID', dup.traceId !== null && dup.traceId !== D1 && dup.traceId !== D2 && !broke(dup), how(dup));

  const T4 = hex(16);
  const members: string[] = [];
  for (let i = 0; members.join(',').length < 8000; i++) members.push(`k${i}=${'v'.repeat(70)}`);
  const huge = await go({ traceparent: `00-${T4}-${S}-01`, tracestate: members.join(',') });
  add('AC-001', `huge tracestate (${members.length} members, ${members.join(',').length} chars): traceparent still honoured`, huge.traceId === T4 && !broke(huge), how(huge));
  const bad = await go({ traceparent: `00-${T4}-${S}-01`, tracestate: 'a=b,,@@@=x,=x,' + 'z'.repeat(300) + '=1' });
  add('AC-001', 'malformed tracestate: traceparent still honoured', bad.traceId === T4 && !broke(bad), how(bad));

  const last = await go({});
  add('AC-007', 'the service keeps answering after hostile headers', last.error === null && last.status === base.status && last.traceId !== null, `baseline HTTP ${base.status}, now ${how(last)}`);
  return { results, unreachable: null };
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'run the trace-context acceptance contract against a running service (exit 1 on failure)',
  usage: `Usage: tracewire check <url> [options]

Sends requests with no traceparent, a valid one, each kind of invalid one, two traceparent headers and a
huge tracestate, and checks the trace ID the service reports in its response headers (server-timing
trace;desc=00-..., traceresponse, or x-trace-id): valid IDs preserved, invalid ones restarted, the service
still answering. Prints a table of AC results; exit 0 all pass, 1 a check failed, 2 service unreachable.

Options:
  --method <m>        HTTP method (default GET)
  -H, --header <h>    extra request header 'name: value' (repeatable), e.g. auth for the endpoint
  --timeout <ms>      per request (default 5000)
  -k, --insecure      skip TLS certificate verification for an https URL (self-signed, private CA), like
                      curl -k: insecure, so a warning goes to stderr and into the results;
                      NODE_EXTRA_CA_CERTS=<ca.pem> trusts a private CA instead
${OUTPUT_HELP}
  -h, --help          this help`,
  options: { ...OUTPUT_OPTIONS, method: { type: 'string' }, header: { type: 'string', short: 'H', multiple: true }, timeout: { type: 'string' }, insecure: { type: 'boolean', short: 'k' } },
  positionals: 1,
  async run(v: Values, pos: string[]): Promise<number> {
    if (pos.length === 0) throw new UsageError('check needs a URL: tracewire check http://127.0.0.1:8080/health');
    let url: URL;
    try { url = new URL(pos[0]!); } catch { throw new UsageError(`'${clean(pos[0], 100)}' is not a URL`); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`only http: and https: URLs can be checked, not ${clean(url.protocol, 20)}`);
    const headers: Record<string, string> = {};
    const raw = v.header;
    for (const h of Array.isArray(raw) ? (raw as string[]) : []) {
      const i = h.indexOf(':');
      if (i <= 0) throw new UsageError(`--header expects 'name: value', got '${clean(h, 60)}'`);
      const name = h.slice(0, i).trim().toLowerCase();
      const value = h.slice(i + 1).trim();
      // node:http throws these synchronously from request(): a usage error here, not exit 70 mid-run
      try { validateHeaderName(name); validateHeaderValue(name, value); } catch {
        throw new UsageError(`--header '${clean(h, 60)}' is not a valid HTTP header (name a token, value without control characters)`);
      }
      headers[name] = value;
    }
    // what is printed (CI logs): the password of a URL with user info is not echoed
    const shown = url.password === '' ? url.href : Object.assign(new URL(url.href), { password: '***' }).href;
    const method = typeof v.method === 'string' ? v.method.toUpperCase() : 'GET';
    if (!/^[!#$%&'*+.^_`|~0-9A-Z-]+$/.test(method)) throw new UsageError(`--method '${clean(method, 40)}' is not an HTTP method (a token, RFC 9110 §5.6.2)`);
    const timeoutMs = num(v, 'timeout', 5000, 1, 600_000);
    const insecure = v.insecure === true && url.protocol === 'https:';
    if (insecure) process.stderr.write(`tracewire check: WARNING: --insecure: the TLS certificate of ${clean(url.host, 200)} is not verified; anyone on the network path could answer in its place\n`);
    else if (v.insecure === true) process.stderr.write(`tracewire check: --insecure has no effect on an http: URL (no TLS)\n`);
    const { results, unreachable } = await runChecks(url, { timeoutMs, method, headers, insecure });
    if (unreachable !== null) {
      const hint = !insecure && isCertError(unreachable) ? ' (the certificate is not trusted: NODE_EXTRA_CA_CERTS=<ca.pem> trusts its CA, --insecure skips the check)' : '';
      process.stderr.write(`tracewire check: cannot reach ${clean(shown, 200)}: ${clean(unreachable, 200)}${hint}\n`);
      if (v.json === true) out(JSON.stringify({ url: shown, reachable: false, insecure, error: unreachable }));
      return EXIT_USAGE;
    }
    const failed = results.filter((r) => r.result === 'fail').length;
    if (v.json === true) {
      out(JSON.stringify({ url: shown, reachable: true, insecure, pass: failed === 0, failed, results }, null, 2));
      return failed ? EXIT_FINDING : EXIT_OK;
    }
    const st = styleFor(v);
    const mark = (r: CheckResult): string => (r.result === 'pass' ? st.green('PASS') : r.result === 'fail' ? st.red('FAIL') : st.dim('SKIP'));
    out(st.bold(`Trace-context contract for ${clean(shown, 200)}`) + (insecure ? ' ' + st.red('(TLS certificate NOT verified: --insecure)') : '') + '\n' + table(['AC', 'result', 'check', 'detail'],
      results.map((r) => [r.ac, mark(r), r.name, clean(r.detail, 140)]), [], st));
    const passed = results.filter((r) => r.result === 'pass').length;
    out(`\n${failed ? st.red(`${failed} failed`) : st.green('all passed')}: ${passed} passed, ${failed} failed, ${results.length - passed - failed} skipped`);
    return failed ? EXIT_FINDING : EXIT_OK;
  },
};
