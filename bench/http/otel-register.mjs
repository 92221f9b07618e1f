// Loaded by server.ts (SERVER_MODE=otel) BEFORE `http` is required: the provider above and
// @opentelemetry/instrumentation-http with its default configuration (as the baseline's 06 bench).
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { makeProvider } from './otel-setup.mjs';

export const { provider, exporter, bsp } = makeProvider();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
