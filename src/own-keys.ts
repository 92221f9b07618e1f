// Keys chosen by users or files (attribute keys, header names, tenant names) written into plain objects, and
// keys another library added to Object.prototype itself (prototype pollution) read back out of them.

/** `o[k] = v`, defined rather than assigned: an assignment to "__proto__" sets the prototype, and the key is lost. */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  if (k !== '__proto__') o[k] = v;
  else Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

const OBJECT_PROTO = Object.prototype;
const hasOwn = OBJECT_PROTO.hasOwnProperty;
const NONE = {}; // no keys of its own, ever: a for..in over it lists Object.prototype's enumerable keys only

/**
 * Object.prototype has enumerable keys (some library polluted it): a `for..in` over any plain object lists them.
 * A for..in set-up (~15-20 ns): for rare paths; hot ones check the keys they read with named loads.
 */
export function protoPolluted(): boolean {
  for (const _ in NONE) return true;
  return false;
}

/**
 * `o[k]`, except a value only Object.prototype holds (a key some library added there: prototype pollution), read
 * as absent; keys of `o` or of its classes are read as usual. A keyed lookup on Object.prototype (tens of ns) when
 * the value is defined: hot callers first check `k` on Object.prototype with a named load. Getters and Proxy traps
 * that throw, throw.
 */
export function fieldOf(o: object, k: string): unknown {
  const v = (o as Record<string, unknown>)[k];
  if (v === undefined || !hasOwn.call(OBJECT_PROTO, k)) return v;
  let p: object | null = o;
  while (p !== null && p !== OBJECT_PROTO) {
    if (hasOwn.call(p, k)) return v;
    p = Object.getPrototypeOf(p) as object | null;
  }
  return p === OBJECT_PROTO ? undefined : v; // else a Proxy gave it: read as given
}
