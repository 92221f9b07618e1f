// The config format as data: one table per object, read by the validator (validate.ts) and compared
// key by key with schema/tracewire-config.schema.json by test/config-schema.test.ts, so the two cannot drift.
import { MAX_RING_BYTES, MIN_RING_BYTES } from '../thread/layout.js';

export type Spec = ObjectSpec | MapSpec | TaggedSpec | StringSpec | IntegerSpec | NumberSpec | BooleanSpec | ArraySpec | UnionSpec;

export interface ObjectSpec { readonly t: 'object'; readonly keys: Readonly<Record<string, Spec>>; readonly required?: readonly string[]; readonly hint?: string }
/**
 * An object whose keys are names chosen by the user (exporter names, tenants, header names). `hideBadKeys`: a key
 * that fails `key` is never shown (a header line pasted as the header name carries its token).
 */
export interface MapSpec { readonly t: 'map'; readonly key: StringSpec; readonly value: Spec; readonly maxKeys: number; readonly hideBadKeys?: boolean }
/** An object whose `tag` key selects which table applies (exporters: `type`). */
export interface TaggedSpec { readonly t: 'tagged'; readonly tag: string; readonly variants: Readonly<Record<string, ObjectSpec>> }
export interface StringSpec {
  readonly t: 'string'; readonly enum?: readonly string[]; readonly minLength?: number; readonly maxLength?: number;
  readonly format?: Format; readonly nullable?: boolean; readonly sensitive?: boolean;
}
export interface IntegerSpec { readonly t: 'integer'; readonly min: number; readonly max: number }
export interface NumberSpec { readonly t: 'number'; readonly min?: number; readonly max?: number }
export interface BooleanSpec { readonly t: 'boolean'; readonly const?: boolean }
export interface ArraySpec { readonly t: 'array'; readonly items: Spec; readonly maxItems: number; readonly unique: boolean; readonly minItems?: number }
/** Alternatives told apart by JSON type (a header value is a string or a `valueFrom` object). */
export interface UnionSpec { readonly t: 'union'; readonly of: readonly Spec[]; readonly sensitive?: boolean }

export type Format = 'name' | 'header-name' | 'url' | 'abs-path' | 'cidr' | 'attr-key' | 'attr-pattern' | 'header-value';

/** Formats checked by pattern: the same strings appear as `pattern` in the JSON Schema. */
export const FORMAT_PATTERNS: Readonly<Partial<Record<Format, string>>> = {
  name: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
  'header-name': "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
  'abs-path': '^/',
  url: '^https?://',
  // what node:http lets a header value hold (tab, visible ASCII, obs-text 0x80-0xFF): anything else throws at every request
  'header-value': '^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$',
};

export const FORMAT_TEXT: Readonly<Record<Format, string>> = {
  name: 'a name of 1-63 letters, digits, ".", "_" or "-" starting with a letter or digit',
  'header-name': 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)',
  url: 'an http:// or https:// URL without user:password@',
  'abs-path': 'an absolute file path',
  cidr: 'an IPv4 or IPv6 network in CIDR notation (e.g. 10.0.0.0/8)',
  'attr-key': 'an attribute key (non-empty, no control characters)',
  'attr-pattern': 'an attribute key, or a prefix ending in "*" (e.g. "app.*")',
  'header-value': 'a header value on one line (tab, printable ASCII and Latin-1 characters only)',
};

const str = (o: Omit<StringSpec, 't'> = {}): StringSpec => ({ t: 'string', ...o });
const int = (min: number, max: number): IntegerSpec => ({ t: 'integer', min, max });
const bool: BooleanSpec = { t: 'boolean' };
const list = (items: Spec, maxItems = 1000): ArraySpec => ({ t: 'array', items, maxItems, unique: true });
const obj = (keys: Record<string, Spec>, required?: string[]): ObjectSpec => (required ? { t: 'object', keys, required } : { t: 'object', keys });

export const MAX_TIMEOUT_MS = 600_000;

export const batchSpec: ObjectSpec = obj({
  maxQueueSize: int(1, 1_000_000),
  maxExportBatchSize: int(1, 100_000),
  scheduledDelayMs: int(0, 3_600_000),
  exportTimeoutMs: int(1, MAX_TIMEOUT_MS),
});

// Everything under a header value is checked as sensitive (validate.ts); `prefix` is marked too because it
// is part of the header value itself ("Bearer <token>" pasted there is a common mistake).
const secretRefSpec: ObjectSpec = {
  ...obj({ valueFrom: { ...obj({ file: str({ format: 'abs-path', maxLength: 4096 }), prefix: str({ format: 'header-value', maxLength: 256, sensitive: true }) }, ['file']), hint: 'an object like { "file": "/etc/tracewire/secrets/token", "prefix": "Bearer " }' } }, ['valueFrom']),
  hint: 'an object like { "valueFrom": { "file": "/etc/tracewire/secrets/token" } }',
};

export const headerValueSpec: UnionSpec = { t: 'union', of: [str({ format: 'header-value', maxLength: 8192, sensitive: true }), secretRefSpec], sensitive: true };

/** A PEM file (CA bundle, client certificate or key), read by load.ts like a secret file. */
const pemFileSpec = str({ format: 'abs-path', maxLength: 4096 });
/** The file holding an encrypted key's passphrase; sensitive: a value that is not a path may be the passphrase itself. */
const passphraseFileSpec = str({ format: 'abs-path', maxLength: 4096, sensitive: true });

export const exporterNameSpec = str({ format: 'name' });
const tenantIdSpec = str({ minLength: 1, maxLength: 256 });

export const exporterSpec: TaggedSpec = {
  t: 'tagged',
  tag: 'type',
  variants: {
    otlp: obj({
      type: str({ enum: ['otlp'] }),
      url: str({ format: 'url', maxLength: 2048 }),
      endpoint: str({ format: 'url', maxLength: 2048 }),
      headers: { t: 'map', key: str({ format: 'header-name', maxLength: 256 }), value: headerValueSpec, maxKeys: 64, hideBadKeys: true },
      timeoutMs: int(1, MAX_TIMEOUT_MS),
      idleTimeoutMs: int(0, MAX_TIMEOUT_MS),
      compression: str({ enum: ['gzip', 'none'] }),
      tls: { ...obj({ ca: pemFileSpec, cert: pemFileSpec, key: pemFileSpec, passphrase: passphraseFileSpec }), hint: 'an object like { "ca": "/etc/tracewire/tls/ca.crt", "cert": "/etc/tracewire/tls/tls.crt", "key": "/etc/tracewire/tls/tls.key" }' },
      batch: batchSpec,
    }, ['type']),
    file: obj({ type: str({ enum: ['file'] }), path: str({ format: 'abs-path', maxLength: 4096 }), batch: batchSpec }, ['type', 'path']),
    console: obj({ type: str({ enum: ['console'] }), batch: batchSpec }, ['type']),
  },
};

/** `true` or the thread's settings (src/thread/supervisor.ts has their defaults); thread-settings.ts reads it. */
export const exportThreadSpec: UnionSpec = {
  t: 'union',
  of: [bool, {
    ...obj({ enabled: bool, ringBytes: int(MIN_RING_BYTES, MAX_RING_BYTES), niceness: int(0, 19), flushTimeoutMs: int(1, MAX_TIMEOUT_MS) }),
    hint: 'an object like { "enabled": true, "ringBytes": 8388608 }',
  }],
};

const headerNameSpec = str({ format: 'header-name', maxLength: 256 });
const trustPolicySpec = str({ enum: ['preserve', 'preserve-ids', 'link', 'restart'] });
const probabilitySpec: NumberSpec = { t: 'number', min: 0, max: 1 };

export const rootSpec: ObjectSpec = obj({
  $schema: str({ maxLength: 2048 }),
  service: obj({
    name: str({ minLength: 1, maxLength: 255 }),
    version: str({ minLength: 1, maxLength: 255 }),
    attributes: { t: 'map', key: str({ format: 'attr-key', maxLength: 256 }), value: { t: 'union', of: [str({ maxLength: 4096 }), { t: 'number' }, bool] }, maxKeys: 128 },
  }),
  tenantAttribute: str({ format: 'attr-key', maxLength: 256 }),
  sampler: obj({
    parentBased: bool,
    probability: probabilitySpec,
    tenants: { t: 'map', key: tenantIdSpec, value: probabilitySpec, maxKeys: 10_000 },
  }),
  batch: batchSpec,
  exporters: { t: 'map', key: exporterNameSpec, value: exporterSpec, maxKeys: 64 },
  routes: obj({
    tenants: { t: 'map', key: tenantIdSpec, value: list(exporterNameSpec, 64), maxKeys: 10_000 },
    default: list(exporterNameSpec, 64),
    all: list(exporterNameSpec, 64),
  }),
  exportThread: exportThreadSpec,
  http: obj({
    trust: { t: 'union', of: [trustPolicySpec, obj({ networks: { t: 'array', items: str({ format: 'cidr', maxLength: 64 }), maxItems: 256, unique: true, minItems: 1 }, inside: trustPolicySpec, outside: trustPolicySpec }, ['networks'])] },
    tenant: str({ format: 'header-name', maxLength: 256 }),
    tenantMaxLength: int(1, 1024),
    serverTimingHeader: { t: 'union', of: [headerNameSpec, { t: 'boolean', const: false }] },
    traceIdHeader: { t: 'union', of: [headerNameSpec, { t: 'boolean', const: false }] },
    traceResponseHeader: { t: 'union', of: [headerNameSpec, bool] },
    recordPath: bool,
    requestHeaders: list(headerNameSpec, 64),
    responseHeaders: list(headerNameSpec, 64),
  }),
  attributes: obj({ allow: list(str({ format: 'attr-pattern', maxLength: 256 }), 1000) }),
  // count limits of 0 keep none, each drop counted (OTel SpanLimits); a value length must be positive (attributes.ts)
  limits: obj({ maxAttributes: int(0, 10_000), maxAttributeValueLength: int(1, 1_048_576), maxLinks: int(0, 10_000), maxEvents: int(0, 10_000), maxEventAttributes: int(0, 10_000), maxLinkAttributes: int(0, 10_000) }),
  recordErrorMessages: bool,
  disabled: bool,
});
