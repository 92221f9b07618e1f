// The values Span.recordError records: error.type (low cardinality) and exception.message (opt-in, may hold PII).
import { fieldOf } from './own-keys.js';

const OBJECT_PROTO = Object.prototype as { code?: unknown; name?: unknown };

/** error.type per the semantic conventions: a low-cardinality identifier, never the message. */
export function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    // a getter or Proxy trap that throws (or a non-string ctor name) must not turn recordError into a throw in the host
    try {
      // a code or name some library put on Object.prototype (pollution) is not the error's: read past it only then
      const polluted = OBJECT_PROTO.code !== undefined || OBJECT_PROTO.name !== undefined;
      const code = polluted ? fieldOf(err, 'code') : (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.length > 0 && code.length <= 64) return code;
      const name = polluted ? fieldOf(err, 'name') : (err as { name?: unknown }).name;
      if (typeof name === 'string' && name.length > 0 && name.length <= 64) return name === 'Error' ? subclassName(err as object) ?? name : name;
      const ctor = (err as object).constructor?.name;
      if (typeof ctor === 'string' && ctor.length > 0 && ctor.length <= 64) return ctor;
    } catch { /* _OTHER */ }
  }
  return '_OTHER';
}

/**
 * `class PaymentDeclined extends Error {}` inherits name 'Error' from Error.prototype: its class name is the type
 * (semconv error.type: the canonical class name). A name set on the object itself is kept.
 */
function subclassName(err: object): string | undefined {
  try {
    if (!(err instanceof Error) || Object.prototype.hasOwnProperty.call(err, 'name')) return undefined;
    const ctor = err.constructor?.name;
    return typeof ctor === 'string' && ctor.length > 0 && ctor.length <= 64 && ctor !== 'Error' ? ctor : undefined;
  } catch { return undefined; }
}

/** An Error's message, or undefined (not an Error, not a string, or a getter / Proxy trap that throws). */
export function errorMessage(err: unknown): string | undefined {
  try {
    if (!(err instanceof Error)) return undefined;
    const m = err.message;
    return typeof m === 'string' ? m : undefined;
  } catch { return undefined; }
}
