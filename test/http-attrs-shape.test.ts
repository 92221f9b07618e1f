// The adapters' per-config start attributes reach startSpan on its in-place path: startSpan copies an attributes
// object whose prototype is not Object.prototype (a class instance) key by key first, which cost the http server
// ~1-2 µs per request when its start attributes were a class instance (fifteenth session).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { ownKeysOnly } from '../src/attributes.js';
import { ServerConfig } from '../adapters/http-server-config.js';
import { ClientConfig } from '../adapters/http-client.js';
import { clientStartAttrs } from '../adapters/http-attrs.js';

const tracer = createTracer({ service: 'shape' });

test('server and client start attributes are plain objects, read in place by startSpan', () => {
  const server = new ServerConfig(tracer, {});
  const client = new ClientConfig(tracer, {});
  for (const [name, a] of [['server', server.attrs], ['node:http client', client.attrs], ['fetch (clientStartAttrs)', clientStartAttrs()]] as const) {
    assert.ok(ownKeysOnly(a), `${name}: prototype is Object.prototype`);
    assert.ok(Object.keys(a).length >= 6, `${name}: every key present from the start (one shape)`);
  }
});

test.run();
