// A TCP proxy on 127.0.0.1 in front of a test server that can black-hole its open connections, as a load balancer
// that forgets an idle flow does: no FIN, no RST, the socket stays open on both ends and every byte just vanishes.
// New connections after blackholeOpen() are forwarded normally.
//
//   const p = await startBlackholeProxy(receiver.port);   // p.url(path) = http://127.0.0.1:PROXYPORT/path
//   p.blackholeOpen();                                    // every connection open now goes silent, both ways
//   await p.clientClosed(0, 2000);                        // true once the client ended connection 0 (false at the cap)
import net, { type AddressInfo } from 'node:net';

interface Flow { client: net.Socket; upstream: net.Socket; silent: boolean; clientClosed: boolean; waiters: (() => void)[] }

export interface BlackholeProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  url(path: string): string;
  blackholeOpen(): void;
  /** Resolves true when the client side of connection i (0-based) has ended or closed, false after capMs. */
  clientClosed(i: number, capMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const flows: Flow[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const f: Flow = { client, upstream, silent: false, clientClosed: false, waiters: [] };
    flows.push(f);
    client.on('data', (d) => { if (!f.silent) upstream.write(d); });
    upstream.on('data', (d) => { if (!f.silent) client.write(d); });
    const ended = (): void => {
      if (f.clientClosed) return;
      f.clientClosed = true;
      for (const w of f.waiters.splice(0)) w();
      upstream.destroy();
    };
    client.on('end', ended);
    client.on('close', ended);
    upstream.on('close', () => { if (!f.silent) client.destroy(); }); // a silent flow never tells the client anything
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get connections() { return flows.length; },
    url: (path) => `http://127.0.0.1:${port}${path}`,
    blackholeOpen() { for (const f of flows) f.silent = true; },
    clientClosed(i, capMs) {
      const f = flows[i];
      if (f === undefined) return Promise.resolve(false);
      if (f.clientClosed) return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), capMs);
        f.waiters.push(() => { clearTimeout(t); resolve(true); });
      });
    },
    close() {
      for (const f of flows) { f.client.destroy(); f.upstream.destroy(); }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
