// tracewire/config: a Tracer from a Kubernetes-mounted JSON file, with live reload of exporters, routes,
// sampler and secret files. Imported by the application at startup, never by the hot path.
export { tracerFromConfig, ConfiguredTracer, type ConfigOptions } from './build.js';
export { loadConfig, resolveConfigPath, DEFAULT_CONFIG_PATH, CONFIG_PATH_ENV, MAX_CONFIG_BYTES } from './load.js';
export { validateConfig } from './validate.js';
export { ConfigError, ConfigErrorCode, isConfigError, type ConfigErrorCodeValue, type ConfigProblem } from './errors.js';
export { Secret, REDACTED } from './secrets.js';
export { ConfigThreadProcessor } from './thread-export.js';
export { RoutingProcessor, type Destination, type RoutePlan, type RoutingOptions } from './routing.js';
export { detectSubPath, type SubPathCheck } from './subpath.js';
export type { ConfigStats, ReloadEvent } from './reload.js';
export type { ExporterFactories, OtlpFactoryOptions } from './exporters.js';
export type { TracewireConfig, ExportThreadSettings, ExporterSettings, OtlpExporterSettings, FileExporterSettings, ConsoleExporterSettings, RoutesConfig, SamplerSettings, HttpConfig, TrustPolicyName, BatchSettings } from './types.js';
