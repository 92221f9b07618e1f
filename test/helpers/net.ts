// Loopback plumbing shared by the adapter tests: ephemeral-port servers, one request helper and a TCP
// reachability probe.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Listen on 127.0.0.1 with an ephemeral port; resolves the port. */
export function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Listen on ::1 with an ephemeral port; null where the host has no IPv6 loopback (some containers). */
export function listen6(server: http.Server): Promise<number | null> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(0, '::1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Close a server and every connection it still holds (keep-alive sockets would delay close). */
export function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** True when something accepts TCP on 127.0.0.1:port within a second. */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, 1000);
    s.once('connect', () => { clearTimeout(t); s.end(); resolve(true); });
    s.once('error', () => { clearTimeout(t); resolve(false); });
  });
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One http.request with `body` sent, the whole response read as text. */
export function request(opts: http.RequestOptions, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
