// tracewire/fetch: global fetch (undici) traced through its diagnostics channels (traceFetch, fetch-channel),
// or by the explicit wrapper (tracedFetch, fetch-wrapper); both together still make one span per request.
export { traceFetch, hasTraceparent, type FetchTracingOptions } from './fetch-channel.js';
export { tracedFetch } from './fetch-wrapper.js';
