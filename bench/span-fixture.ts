// The span benches' inputs, shared by both libraries' harnesses: the OTel baseline's unit of work
// (startSpan with 4 attributes, setAttribute x2, setStatus, end) with its values rotated over 8 sets of one
// shape (same keys, order and value types), as a service's paths, users and statuses vary: a constant input
// lets V8 or a value cache (the encoder's, the thread record writer's) see one value forever.
// Flat string literals: a concatenated value would be a rope, which real attribute values rarely are.

/** The baseline's attributes, verbatim (bench/span-ab.ts and the first set). */
export const ATTRS = { 'http.request.method': 'GET', 'url.path': '/api/items', 'http.response.status_code': 200, 'server.port': 8080 };

const PATHS = ['/api/items', '/api/items/1001', '/api/items/1002', '/api/orders', '/api/orders/77', '/api/users/me', '/api/cart', '/health'];
const STATUS = [200, 200, 404, 200, 201, 200, 200, 500];
/** ATTR_SETS[i & 7]: attributes of the i-th span. */
export const ATTR_SETS = PATHS.map((p, i) => ({ 'http.request.method': i === 4 ? 'POST' : 'GET', 'url.path': p, 'http.response.status_code': STATUS[i]!, 'server.port': 8080 }));
/** USERS[i & 7]: the i-th span's app.user_id; its app.cache_hit is (i & 1) === 0. */
export const USERS = ['u-1234', 'u-1235', 'u-20001', 'u-7', 'u-1234', 'u-99999', 'u-31', 'u-4242'];
