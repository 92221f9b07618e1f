// The exporters a config file can name. OTLP exporters get `env: {}`: the file's settings are complete,
// and OTEL_EXPORTER_OTLP_HEADERS must never add one backend's credentials to another backend's requests.
import { otlpExporter } from '../otlp-http.js';
import { consoleExporter, fileExporter } from '../exporters-local.js';
import type { ExporterFactories } from './exporters.js';

export const defaultExporterFactories: ExporterFactories = {
  otlp: (o) => otlpExporter({ url: o.url, headers: o.headers, compression: o.compression, timeoutMs: o.timeoutMs, idleTimeoutMs: o.idleTimeoutMs, tls: o.tls, env: {}, logger: o.logger }),
  file: (o) => fileExporter({ path: o.path }),
  console: () => consoleExporter(),
};
