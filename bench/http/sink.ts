// A loopback OTLP sink for SERVER_MODE=tracewire-otlp: answers 200 `{}` to every POST, counts requests
// and bytes, never parses (its own process, so its CPU is not the server's).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

setTimeout(() => process.exit(3), Number(process.env.SINK_MAX_LIFETIME_MS ?? 600_000)).unref();
process.on('disconnect', () => process.exit(0));
let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (d: Buffer) => { bytes += d.length; });
  req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}'); });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'report') process.send!({ type: 'sink', requests, bytes });
  else if (m.cmd === 'stop') { server.close(); server.closeAllConnections(); process.exit(0); }
});
server.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', port: (server.address() as AddressInfo).port }));
