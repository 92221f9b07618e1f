// The HTML report's CSS and browser script. The script builds every element with createElement and
// textContent (never innerHTML), and a CSP allowing only these two hashed blocks keeps anything a hostile
// span name smuggles in inert; the data sits in a non-executed application/json block.
import { createHash } from 'node:crypto';

const CSS = `
:root{--bg:#fff;--fg:#1d2330;--mute:#6b7280;--line:#e5e7eb;--bar:#3b82f6;--crit:#f59e0b;--err:#dc2626;--ok:#16a34a}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:12px 20px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header .meta{color:var(--mute)}
main{padding:12px 20px}section{margin-bottom:28px}h2{font-size:16px;margin:8px 0}
form{display:flex;gap:8px}input{font:13px ui-monospace,monospace;width:34em;padding:4px 6px}button{padding:4px 10px}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
td.n,th.n{text-align:right}tr.pick{cursor:pointer}tr.pick:hover{background:#f3f4f6}.err{color:var(--err)}.warn{color:#b45309}.mute{color:var(--mute)}
.mono{font-family:ui-monospace,monospace}#msg{margin:8px 0}
.wf-head,.wf-row{display:grid;grid-template-columns:150px minmax(240px,1fr) 80px 80px minmax(200px,2fr) 60px 50px;gap:6px;align-items:center;font-size:12px;padding:1px 0}
.wf-head{color:var(--mute);border-bottom:1px solid var(--line)}.wf-row:hover{background:#f9fafb}
.wf-row .op{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.wf-row.crit .op{font-weight:600}
.track{position:relative;height:12px;background:#f3f4f6}.track .b{position:absolute;top:0;height:12px;min-width:2px;background:var(--bar)}
.wf-row.crit .b{background:var(--crit)}.wf-row.error .b{background:var(--err)}.tag{font-size:11px;padding:0 4px;border-radius:3px;background:#fef3c7}
.tag.skew{background:#ffedd5;color:#9a3412}.wf-row.adjusted .b{outline:1px dashed #9a3412;outline-offset:1px}
svg text{font:12px system-ui,sans-serif}svg .node rect{fill:#eef2ff;stroke:#6366f1}svg .edge{stroke:#9ca3af;fill:none}svg .edge.bad{stroke:var(--err)}svg .edge.link{stroke-dasharray:5 4}svg .lbl{fill:var(--mute);font-size:11px}
`;

const JS = `(function () {
'use strict';
var data = JSON.parse(document.getElementById('tw-data').textContent);
var S = data.strings;
function $(id) { return document.getElementById(id); }
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; }
function fmt(ms) {
  if (ms === null || !isFinite(ms)) return '-';
  if (ms < 1) return Math.round(ms * 1000) + 'µs';
  if (ms < 10) return ms.toFixed(2) + 'ms';
  if (ms < 1000) return ms.toFixed(1) + 'ms';
  return (ms / 1000).toFixed(2) + 's';
}
function signed(ms) { return (ms < 0 ? '-' : '+') + fmt(Math.abs(ms)); }
function pct(x) { return isFinite(x) ? (x * 100).toFixed(1) + '%' : '-'; }
function cell(tr, text, cls) { var td = el('td', cls, text); tr.appendChild(td); return td; }
function head(table, cols) { var tr = el('tr'); cols.forEach(function (c) { tr.appendChild(el('th', /^[a-z]/.test(c) ? '' : 'n', c.replace(/^#/, ''))); }); table.appendChild(tr); }
var byId = {};
data.traces.forEach(function (t) { byId[t.id] = t; });

function showTrace(id) {
  var msg = $('msg'); var wf = $('wf');
  wf.textContent = ''; msg.textContent = '';
  var m = /[0-9a-f]{32}/.exec(String(id).toLowerCase());
  if (!m) { msg.className = 'err'; msg.textContent = 'Not a trace ID: 32 hex digits expected.'; return; }
  var t = byId[m[0]];
  if (!t) { msg.className = 'err'; msg.textContent = 'Trace ' + m[0] + ' is not in this report (it holds ' + data.traces.length + ' of ' + data.totals.traces + ' traces; regenerate with --trace ' + m[0] + ').'; return; }
  msg.className = '';
  msg.textContent = 'Trace ' + t.id + ' · ' + t.spans.length + ' spans · ' + fmt(t.dur) + (t.err ? ' · ' + t.err + ' errors' : '') + (t.orphans ? ' · ' + t.orphans + ' orphan spans' : '') + (t.adj ? ' · ' + t.adj + (t.adj === 1 ? ' span' : ' spans') + ' shifted for clock skew (' + fmt(t.rdur) + ' as recorded)' : '') + (t.cut ? ' · first ' + t.spans.length + ' of ' + t.n + ' spans' : '');
  var h = el('div', 'wf-head');
  ['service', 'operation', 'start', 'duration', 'timeline (critical path in amber)', 'status', 'http'].forEach(function (c) { h.appendChild(el('div', '', c)); });
  wf.appendChild(h);
  var total = t.dur > 0 ? t.dur : 1;
  t.spans.forEach(function (s) {
    var row = el('div', 'wf-row' + (s[9] ? ' crit' : '') + (s[6] === 2 ? ' error' : '') + (s[11] ? ' adjusted' : ''));
    row.appendChild(el('div', 'svc', S[s[1]]));
    var op = el('div', 'op', (s[0] > 0 ? '└ ' : '') + (S[s[2]] || '(no name)'));
    op.style.paddingLeft = Math.min(s[0], 30) * 12 + 'px';
    if (s[8] > 0) { op.appendChild(document.createTextNode(' ')); op.appendChild(el('span', 'tag', '↻ retry #' + s[8])); }
    if (s[10]) { op.appendChild(document.createTextNode(' ')); op.appendChild(el('span', 'tag', 'parent missing')); }
    if (s[11] || s[12] > 0) {
      // clock skew: shown shifted into the parent's time (s[11]), or recorded before the parent on its clock (s[12], not shifted)
      var sk = el('span', 'tag skew', s[11] ? '⇆ clock skew' : '⚠ clock skew');
      var lead = s[12] > 0 ? fmt(s[12]) + ' before its parent' : '';
      var at = s[3] - s[11];
      sk.title = s[11] ? 'shown shifted by ' + signed(s[11]) + " into its parent's time; recorded start " + (at < 0 ? '-' : '') + fmt(Math.abs(at)) + (lead ? ', ' + lead : '')
        : 'recorded ' + lead + ", on its parent's clock: not shifted";
      op.appendChild(document.createTextNode(' ')); op.appendChild(sk);
    }
    op.title = S[s[1]] + ' · ' + S[s[2]] + ' · self ' + fmt(s[5]);
    row.appendChild(op);
    row.appendChild(el('div', 'mono', fmt(s[3])));
    row.appendChild(el('div', 'mono', fmt(s[4])));
    var track = el('div', 'track'); var b = el('div', 'b');
    b.style.left = (s[3] / total * 100) + '%'; b.style.width = (Math.max(0, s[4] || 0) / total * 100) + '%';
    track.appendChild(b); row.appendChild(track);
    row.appendChild(el('div', s[6] === 2 ? 'err' : '', ['', 'ok', 'ERROR'][s[6]]));
    row.appendChild(el('div', s[7] >= 500 ? 'err' : '', s[7] || ''));
    wf.appendChild(row);
  });
  if (location.hash !== '#trace=' + t.id) history.replaceState(null, '', '#trace=' + t.id);
}

function traceList() {
  var table = $('traces');
  head(table, ['trace ID', 'root', '#spans', '#duration', '#errors']);
  data.traces.forEach(function (t) {
    var tr = el('tr', 'pick');
    cell(tr, t.id, 'mono'); cell(tr, S[t.rs] + ' · ' + S[t.rn]); cell(tr, t.n, 'n'); cell(tr, fmt(t.dur), 'n'); cell(tr, t.err || '', t.err ? 'n err' : 'n');
    tr.addEventListener('click', function () { $('q').value = t.id; showTrace(t.id); $('search').scrollIntoView(); });
    table.appendChild(tr);
  });
}

function graph() {
  var svgNS = 'http://www.w3.org/2000/svg';
  var names = [];
  var idx = Object.create(null); // service names as keys: 'constructor' or '__proto__' must not hit Object.prototype
  function node(n) { if (!(n in idx)) { idx[n] = names.length; names.push(n); } return idx[n]; }
  data.services.forEach(function (s) { node(s.service); });
  data.edges.forEach(function (e) { node(e.caller); node(e.callee); });
  var layer = names.map(function () { return 0; });
  for (var pass = 0; pass < names.length; pass++) {
    var moved = false;
    data.edges.forEach(function (e) { var a = idx[e.caller], b = idx[e.callee]; if (a !== b && layer[b] < layer[a] + 1 && layer[a] + 1 < names.length) { layer[b] = layer[a] + 1; moved = true; } });
    if (!moved) break;
  }
  var rows = {}; var pos = names.map(function (n, i) { var l = layer[i]; rows[l] = (rows[l] || 0) + 1; return { x: 20 + l * 230, y: 20 + (rows[l] - 1) * 70 }; });
  var w = 0, h = 0; pos.forEach(function (p) { w = Math.max(w, p.x + 200); h = Math.max(h, p.y + 60); });
  var svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('width', String(w + 20)); svg.setAttribute('height', String(h + 20)); svg.setAttribute('role', 'img');
  function add(parent, tag, attrs, text) { var e = document.createElementNS(svgNS, tag); for (var k in attrs) e.setAttribute(k, String(attrs[k])); if (text !== undefined) e.textContent = text; parent.appendChild(e); return e; }
  var defs = add(svg, 'defs', {}); var mk = add(defs, 'marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' }); add(mk, 'path', { d: 'M0,0L10,5L0,10z', fill: '#9ca3af' });
  var pairs = {};
  data.edges.forEach(function (e) {
    var a = pos[idx[e.caller]], b = pos[idx[e.callee]];
    // a pair joined both via parents and via links has two edges: the 2nd and 3rd are drawn 10 px off the 1st
    var key = JSON.stringify([e.caller, e.callee]); var k = pairs[key] = (pairs[key] || 0) + 1; var off = (k % 2 ? 1 : -1) * Math.floor(k / 2) * 10;
    var x1 = a.x + 170, y1 = a.y + 18 + off, x2 = b.x, y2 = b.y + 18 + off;
    // a self-call: a loop on the node's top edge (a 2nd one, via links, on its bottom edge), where no other edge ends
    var me = e.caller === e.callee; var up = k % 2 ? -1 : 1; var ly = up < 0 ? a.y : a.y + 36;
    var d = me ? 'M' + (a.x + 140) + ',' + ly + ' C' + (a.x + 130) + ',' + (ly + up * 26) + ' ' + (a.x + 170) + ',' + (ly + up * 26) + ' ' + (a.x + 160) + ',' + ly : x2 > x1 ? 'M' + x1 + ',' + y1 + ' C' + (x1 + 30) + ',' + y1 + ' ' + (x2 - 30) + ',' + y2 + ' ' + x2 + ',' + y2 : 'M' + (a.x + 85 + off) + ',' + (a.y + 36) + ' C' + (a.x + 85 + off) + ',' + (a.y + 80 + off) + ' ' + (b.x + 85 + off) + ',' + (b.y + 80 + off) + ' ' + (b.x + 85 + off) + ',' + (b.y + 36);
    var link = e.via === 'link';
    var p = add(svg, 'path', { d: d, 'class': 'edge' + (link ? ' link' : '') + (e.errors > 0 || e.uninstrumented ? ' bad' : ''), 'marker-end': 'url(#arrow)' });
    add(p, 'title', {}, e.caller + (link ? ' ⇢ ' : ' → ') + e.callee + (me ? ' (calls itself)' : '') + (link ? ' (via span links)' : '') + ': ' + e.calls + ' calls, ' + pct(e.errorRate) + ' errors, p95 ' + fmt(e.p95));
    add(svg, 'text', me ? { x: a.x + 8, y: up < 0 ? a.y - 4 : a.y + 48, 'class': 'lbl' } : { x: (x1 + x2) / 2 - 30, y: (y1 + y2) / 2 - 4 + off, 'class': 'lbl' }, (me ? '↺ ' : '') + e.calls + '× ' + (link ? '⇢ ' : '') + (e.errors ? pct(e.errorRate) + ' err' : ''));
  });
  names.forEach(function (n, i) {
    var g = add(svg, 'g', { 'class': 'node' });
    add(g, 'rect', { x: pos[i].x, y: pos[i].y, width: 170, height: 36, rx: 6 });
    add(g, 'text', { x: pos[i].x + 8, y: pos[i].y + 22 }, n.length > 26 ? n.slice(0, 25) + '…' : n);
    add(g, 'title', {}, n);
  });
  $('graph').appendChild(svg);
}

function tables() {
  var t = $('svc');
  head(t, ['service', '#spans', '#entries', '#errors', '#p50', '#p95', '#p99', '#self time', '#self %']);
  data.services.forEach(function (s) { var tr = el('tr'); cell(tr, s.service); [s.spans, s.entries, s.errors, fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.selfMs), pct(s.selfShare)].forEach(function (v) { cell(tr, v, 'n'); }); t.appendChild(tr); });
  var o = $('ops');
  head(o, ['service', 'operation', '#count', '#errors', '#p50', '#p95', '#p99', '#self avg', '#self total']);
  data.operations.forEach(function (s) { var tr = el('tr'); cell(tr, s.service); cell(tr, s.operation); [s.count, s.errors, fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.selfAvgMs), fmt(s.selfMs)].forEach(function (v) { cell(tr, v, 'n'); }); o.appendChild(tr); });
}

$('meta').textContent = data.totals.spans + ' spans · ' + data.totals.traces + ' traces · ' + data.traces.length + ' in this report · generated ' + data.generated;
traceList(); graph(); tables();
$('search').addEventListener('submit', function (ev) { ev.preventDefault(); showTrace($('q').value); });
function fromHash() { var h = /^#trace=([0-9a-f]{32})$/.exec(location.hash); if (h) { $('q').value = h[1]; showTrace(h[1]); } }
window.addEventListener('hashchange', fromHash);
fromHash();
document.body.setAttribute('data-ready', '1');
})();`;

const sha = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** JSON that is inert inside a <script type="application/json"> block: no `</script>`, no `<!--`. */
export function embedJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderHtml(data: unknown): string {
  const csp = `default-src 'none'; script-src ${sha(JS)}; style-src ${sha(CSS)}; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tracewire report</title>
<style>${CSS}</style>
</head><body>
<header><h1>tracewire report</h1><span class="meta" id="meta"></span></header>
<main>
<section><h2>Find a trace</h2>
<form id="search"><input id="q" name="q" placeholder="trace ID (32 hex digits), traceparent or server-timing value" autocomplete="off" spellcheck="false"><button type="submit">Show</button></form>
<div id="msg"></div><div id="wf"></div></section>
<section><h2>Service dependency graph</h2><div id="graph"></div></section>
<section><h2>Latency per service</h2><table id="svc"></table></section>
<section><h2>Latency per operation</h2><table id="ops"></table></section>
<section><h2>Traces in this report</h2><p class="mute">Errors first, then the slowest, then the most recent. Click one to see its waterfall.</p><table id="traces"></table></section>
</main>
<script type="application/json" id="tw-data">${embedJson(data)}</script>
<script>${JS}</script>
</body></html>
`;
}
