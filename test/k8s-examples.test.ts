// AC-005: the Kubernetes example is consistent with what the loader reads: every manifest parses, the
// env var points into the ConfigMap volume at one of its keys, secret files resolve to keys of the mounted
// Secret, no subPath, the collector and backends named by the config exist, and the config loads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig, validateConfig, detectSubPath, CONFIG_PATH_ENV } from '../src/config/index.js';
import { schema, schemaErrors } from './config-schema-check.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const dir = new URL('../k8s-examples/', import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, dir), 'utf8');
const kustomization = parseYaml(read('kustomization.yaml')) as Doc;
const docs: Doc[] = [];
for (const f of kustomization.resources as string[]) {
  for (const d of parseAllDocuments(read(f))) {
    assert.equal(d.errors, [], `${f}: YAML errors`);
    docs.push(d.toJS() as Doc);
  }
}
const find = (kind: string, name: string): Doc | undefined => docs.find((d) => d.kind === kind && d.metadata?.name === name);

// The ConfigMap the kustomization generates: name -> { key: content }
const generated = new Map<string, Record<string, string>>();
for (const g of kustomization.configMapGenerator ?? []) {
  const data: Record<string, string> = {};
  for (const spec of g.files as string[]) {
    const [key, file] = spec.includes('=') ? spec.split('=') : [basename(spec), spec];
    data[key!] = read(file!);
  }
  generated.set(g.name, data);
}
const configMapData = (name: string): Record<string, string> | undefined => generated.get(name) ?? find('ConfigMap', name)?.data;
const secretData = (name: string): Record<string, string> | undefined => {
  const s = find('Secret', name);
  if (!s) return undefined;
  return { ...s.stringData, ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string, 'base64').toString()])) };
};

const app = find('Deployment', 'checkout')!;
const pod = app.spec.template.spec;
const container = pod.containers[0];
const env = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value]));
const configPath: string = env[CONFIG_PATH_ENV];

/** The Deployment's volumes as mountPath -> { kind, name, data }. */
function mounts(c: Doc, p: Doc): Array<{ mountPath: string; kind: string; name: string; data: Record<string, string> | undefined; subPath?: string }> {
  return (c.volumeMounts as Doc[]).map((m) => {
    const v = (p.volumes as Doc[]).find((x) => x.name === m.name)!;
    assert.ok(v, `volume ${m.name} is declared`);
    if (v.configMap) return { mountPath: m.mountPath, kind: 'configMap', name: v.configMap.name, data: configMapData(v.configMap.name), subPath: m.subPath };
    if (v.secret) return { mountPath: m.mountPath, kind: 'secret', name: v.secret.secretName, data: secretData(v.secret.secretName), subPath: m.subPath };
    return { mountPath: m.mountPath, kind: Object.keys(v).find((k) => k !== 'name')!, name: m.name, data: undefined, subPath: m.subPath };
  });
}
const appMounts = mounts(container, pod);
/** The file as written (not normalised); loading it for real is checked below on a materialised volume. */
const config: Doc = JSON.parse(configMapData(appMounts.find((m) => m.mountPath === dirname(configPath))!.name)![basename(configPath)]!);

test('AC-005 every manifest parses and the kustomization lists every manifest in the directory', () => {
  const yamls = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.equal([...(kustomization.resources as string[])].sort(), yamls);
  assert.ok(docs.every((d) => typeof d.kind === 'string' && typeof d.metadata?.name === 'string'));
  assert.equal(kustomization.configMapGenerator[0].options.disableNameSuffixHash, true); // stable name: edits hot-reload instead of rolling
});

test('AC-005 TRACEWIRE_CONFIG points at a key of the ConfigMap mounted as a directory (no subPath)', () => {
  assert.type(configPath, 'string');
  const m = appMounts.find((x) => x.mountPath === dirname(configPath));
  assert.ok(m, `a volume is mounted at ${dirname(configPath)}`);
  assert.is(m!.kind, 'configMap');
  assert.ok(m!.data && basename(configPath) in m!.data, `ConfigMap ${m!.name} has key ${basename(configPath)}`);
  for (const x of appMounts) assert.is(x.subPath, undefined, `${x.mountPath} must not use subPath (never updated)`);
  for (const x of (container.volumeMounts as Doc[]).filter((v) => v.name !== 'tracewire-audit')) assert.is(x.readOnly, true);
});

test('AC-005 every secret file in the config is a key of a Secret volume mounted at its directory', () => {
  const files: string[] = [];
  for (const e of Object.values(config.exporters ?? {}) as Doc[]) {
    for (const h of Object.values(e.headers ?? {}) as Doc[]) if (typeof h === 'object') files.push(h.valueFrom.file);
  }
  assert.ok(files.length > 0, 'the example shows a credential from a Secret');
  for (const f of files) {
    const m = appMounts.find((x) => x.mountPath === dirname(f));
    assert.ok(m, `a volume is mounted at ${dirname(f)}`);
    assert.is(m!.kind, 'secret');
    assert.ok(find('Secret', m!.name), `Secret ${m!.name} is in the manifests`);
    assert.ok(m!.data && basename(f) in m!.data, `Secret ${m!.name} has key ${basename(f)}`);
  }
  for (const e of Object.values(config.exporters ?? {})) {
    if ((e as Doc).type === 'file') assert.ok(appMounts.some((m) => (e as Doc).path.startsWith(m.mountPath + '/') && m.kind === 'emptyDir'), 'file exporter writes to a writable volume');
  }
});

test('AC-005 the example config validates against the schema and loads with loadConfig from a kubelet-style volume', () => {
  const text = configMapData('tracewire-config')!['config.json']!;
  assert.equal(schemaErrors(JSON.parse(text), schema), []);
  assert.equal(validateConfig(JSON.parse(text)), []);
  const root = mkdtempSync(join(tmpdir(), 'tw-k8s-'));
  try {
    // materialise every configMap/secret volume as the kubelet does, under root
    for (const m of appMounts.filter((x) => x.data)) {
      const d = join(root, m.mountPath);
      const ts = '..2026_11_21_08_30_00.123456789';
      mkdirSync(join(d, ts), { recursive: true });
      for (const [k, v] of Object.entries(m.data!)) {
        writeFileSync(join(d, ts, k), m.kind === 'configMap' ? v.split('"/etc/').join(`"${root}/etc/`) : v);
        symlinkSync(join('..data', k), join(d, k));
      }
      symlinkSync(ts, join(d, '..data'));
    }
    const c = loadConfig(undefined, { [CONFIG_PATH_ENV]: join(root, configPath) });
    assert.is(c.service.name, 'checkout');
    const h = (c.exporters!.collector as Doc).headers.authorization;
    assert.is(h.reveal(), 'Bearer ' + secretData('tracewire-secrets')!['collector-token']);
    assert.is(detectSubPath(join(root, configPath)).subPath, false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('AC-005 the collector named by the config exists, listens where the config sends, and shares the token', () => {
  const collector = config.exporters!.collector as Doc;
  const url = new URL(collector.endpoint ?? collector.url);
  const [svcName, ns] = url.hostname.split('.');
  assert.is(ns, kustomization.namespace);
  const svc = find('Service', svcName!)!;
  assert.ok(svc, `Service ${svcName}`);
  assert.ok((svc.spec.ports as Doc[]).some((p) => p.port === Number(url.port)), `Service ${svcName} exposes ${url.port}`);
  const dep = find('Deployment', svcName!)!;
  const cm = find('ConfigMap', 'otel-collector-config')!;
  const col = parseYaml(cm.data['collector.yaml']) as Doc;
  assert.ok(String(col.receivers.otlp.protocols.http.endpoint).endsWith(':' + url.port));
  // the token file the collector checks is the same Secret key the app sends
  const tokenFile: string = col.extensions.bearertokenauth.filename;
  const colMounts = mounts(dep.spec.template.spec.containers[0], dep.spec.template.spec);
  const m = colMounts.find((x) => x.mountPath === dirname(tokenFile))!;
  assert.is(m.kind, 'secret');
  const appTokenFile = collector.headers.authorization.valueFrom.file as string;
  const appSecret = appMounts.find((x) => x.mountPath === dirname(appTokenFile))!;
  assert.equal([m.name, basename(tokenFile)], [appSecret.name, basename(appTokenFile)]);
  // the config file the collector is started with is the mounted key
  const arg = (dep.spec.template.spec.containers[0].args as string[]).find((a) => a.startsWith('--config='))!.slice(9);
  assert.ok(colMounts.some((x) => x.mountPath === dirname(arg) && x.data && basename(arg) in x.data));
});

test('AC-005 the collector routes on the same tenant attribute as tracewire, to backends that exist', () => {
  const col = parseYaml(find('ConfigMap', 'otel-collector-config')!.data['collector.yaml']) as Doc;
  const routing = col.connectors.routing;
  const attr = config.tenantAttribute ?? 'tenant.id';
  assert.ok((routing.table as Doc[]).every((r) => r.context === 'span' && String(r.condition).includes(`attributes["${attr}"]`)));
  const pipelines = col.service.pipelines as Record<string, Doc>;
  for (const p of [...routing.default_pipelines, ...(routing.table as Doc[]).flatMap((r) => r.pipelines)]) assert.ok(pipelines[p], `pipeline ${p}`);
  for (const [name, p] of Object.entries(pipelines)) {
    for (const e of p.exporters as string[]) {
      if (e === 'routing') continue;
      assert.ok(col.exporters[e], `${name}: exporter ${e} defined`);
      const host = new URL(col.exporters[e].endpoint).hostname.split('.')[0]!;
      assert.ok(find('Service', host), `backend Service ${host} exists`);
    }
  }
});

test('AC-005 termination: preStop + flush deadline fit in the grace period', () => {
  const sleep = Number(container.lifecycle.preStop.sleep.seconds); // the kubelet's sleep action: no binary in the image
  const deadlineS = Number(env.SHUTDOWN_DEADLINE_MS) / 1000;
  assert.ok(sleep > 0 && deadlineS > 0);
  assert.ok(sleep + deadlineS + 5 <= pod.terminationGracePeriodSeconds, `${sleep} + ${deadlineS} + 5 <= ${pod.terminationGracePeriodSeconds}`);
});

test.run();
