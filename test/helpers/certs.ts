// Throwaway PKI for TLS tests, made with the openssl CLI in a temp dir: a private CA, a server certificate for
// 127.0.0.1 and a client certificate (mTLS) it signed, and an unrelated CA. EC P-256 keys: fast to generate.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { listen } from './net.js';
import type { ConfiguredTracer } from '../../src/config/index.js';
import type { Span } from '../../src/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second client certificate of the same CA (CN rotated-client): what a rotated Secret holds. */
  rotatedCert: string;
  rotatedKey: string;
  /** A CA that signed nothing here: trusting it alone must fail verification. */
  otherCaCert: string;
  /** clientKey encrypted with `passphrase`: PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`) and the traditional form (`Proc-Type: 4,ENCRYPTED`). */
  clientKeyEncrypted: string;
  clientKeyEncryptedLegacy: string;
  passphrase: string;
  /** `passphrase` and a line break, as `kubectl create secret --from-file` keeps it. */
  passphraseFile: string;
  /** Removes the directory. */
  remove(): void;
}

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ca(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`), key = join(dir, `${name}-key.pem`);
  openssl(['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`]);
  return { cert, key };
}

function leaf(dir: string, name: string, issuer: { cert: string; key: string }, ext: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`), key = join(dir, `${name}-key.pem`), csr = join(dir, `${name}.csr`), extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extFile]);
  return { cert, key };
}

/** null when the openssl CLI is missing (the caller skips, saying so). */
export function makePki(): TestPki | null {
  if (spawnSync('openssl', ['version']).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'tw-pki-'));
  const root = ca(dir, 'tracewire-test-ca');
  const server = leaf(dir, 'server', root, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const client = leaf(dir, 'tracewire-client', root, 'extendedKeyUsage=clientAuth\n');
  const rotated = leaf(dir, 'rotated-client', root, 'extendedKeyUsage=clientAuth\n');
  const other = ca(dir, 'other-ca');
  const passphrase = 'correct horse battery staple';
  const passphraseFile = join(dir, 'key-passphrase');
  writeFileSync(passphraseFile, passphrase + '\n');
  const clientKeyEncrypted = join(dir, 'tracewire-client-key.enc.pem'), clientKeyEncryptedLegacy = join(dir, 'tracewire-client-key.legacy.pem');
  openssl(['pkey', '-in', client.key, '-aes256', '-passout', `file:${passphraseFile}`, '-out', clientKeyEncrypted]);
  openssl(['ec', '-in', client.key, '-aes256', '-passout', `file:${passphraseFile}`, '-out', clientKeyEncryptedLegacy]);
  return {
    dir, caCert: root.cert, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key, rotatedCert: rotated.cert, rotatedKey: rotated.key, otherCaCert: other.cert,
    clientKeyEncrypted, clientKeyEncryptedLegacy, passphrase, passphraseFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsReceiver { url: string; requests: { clientCn: string | null; bytes: number }[]; server: https.Server }

/** An OTLP receiver over https; `mtls`: a client certificate signed by the test CA is required. */
export async function startTlsReceiver(p: TestPki, mtls: boolean): Promise<TlsReceiver> {
  const requests: TlsReceiver['requests'] = [];
  const server = https.createServer({ key: readFileSync(p.serverKey), cert: readFileSync(p.serverCert), ca: readFileSync(p.caCert), requestCert: mtls, rejectUnauthorized: mtls }, (req, res) => {
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      requests.push({ clientCn: peer && peer.subject ? String(peer.subject.CN) : null, bytes });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(server as unknown as http.Server);
  return { url: `https://127.0.0.1:${port}/v1/traces`, requests, server };
}

/** End `n` spans on a configured tracer and flush them (to the TLS receiver under test). */
export async function sendSpans(t: ConfiguredTracer, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) (t.startSpan('op') as Span).end();
  await t.forceFlush();
}
