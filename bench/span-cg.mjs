// Instructions per span, for comparing two builds where this VM's timing noise (±8% between checkouts) hides the
// difference. Runs the span bench's unit of work (4 attributes rotated over 8 sets, 2 setAttribute, setStatus, end,
// a flush every 512) with 512-span chunks inside JSON.parse's reviver, so callgrind counts only those chunks:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='v8::internal::JsonParseInternalizer::Internalize*' \
//     node --single-threaded bench/span-cg.mjs <built dist/esm/src/index.js> <warm> <measure> <root|child>
// Per span = instructions at warm=1000000, measure=30720, divided by 30720 (sixteenth session): repeats to 0.02% run
// to run (2518.6 / 2518.7 / 2519.2). With warm=200000 a TurboFan compile still landed in the window in some runs (the
// 'two modes ~260 apart' of the fifteenth session's differencing method); `--perf-basic-prof` and a map of the
// callgrind addresses give the per-function split (BENCHMARKS.md, span section).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [lib, W = '200000', M = '10240', mode = 'root'] = process.argv.slice(2);
if (!lib) { console.error('usage: node --single-threaded bench/span-cg.mjs <dist/esm/src/index.js> [warm] [measure] [root|child]'); process.exit(64); }
const B = await import(pathToFileURL(resolve(lib)).href);
class Noop { n = 0; async export(s) { this.n += s.length; return { ok: true }; } }
const t = B.createTracer({ service: 'cg', exporter: new Noop() });
const p = t.startSpan('p', { root: true });
const PATHS = ['/api/items', '/api/items/1001', '/api/items/1002', '/api/orders', '/api/orders/77', '/api/users/me', '/api/cart', '/health'];
const STATUS = [200, 200, 404, 200, 201, 200, 200, 500];
const SETS = PATHS.map((q, i) => ({ 'http.request.method': i === 4 ? 'POST' : 'GET', 'url.path': q, 'http.response.status_code': STATUS[i], 'server.port': 8080 }));
const USERS = ['u-1234', 'u-1235', 'u-20001', 'u-7', 'u-1234', 'u-99999', 'u-31', 'u-4242'];
const par = mode === 'child' ? p : undefined;
let e = 0;
const sink = { v: null };
function f(i) { const s = t.startSpan('op', { attributes: SETS[i & 7], parent: par }); s.setAttribute('app.user_id', USERS[i & 7]); s.setAttribute('app.cache_hit', (i & 1) === 0); s.setStatus(1); s.end(); if ((++e & 511) === 0) void t.processor.forceFlush(); return s; }
let base = 0, done = 0, warm = 0;
const rev = (k, v) => { if (k === 'a') { for (let j = 0; j < 512; j++) sink.v = f(base + j); done += 512; } return v; };
const turn = () => new Promise((r) => setImmediate(r));
// warm-up through rev itself, called directly (not collected): rev and f are compiled before the measured chunks
for (base = 0; base < +W; base += 512) { rev('a', 1); await turn(); }
warm = done; // W rounded up to whole 512-span chunks
await new Promise((r) => setTimeout(r, 10));
done = 0;
for (base = 0; base < +M; base += 512) { JSON.parse('{"a":1}', rev); await turn(); }
const st = t.stats();
if (done < +M || st.dropped.queueFull !== 0 || st.ended !== warm + done) throw new Error(`spans not all ended and exported: ${JSON.stringify(st.dropped)}`);
console.log(`ok ${done} measured spans (${mode})`);
