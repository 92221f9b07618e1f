// Keys chosen by users or files (attribute keys, header names, tenant names) written into plain objects.

/** `o[k] = v`, defined rather than assigned: an assignment to "__proto__" sets the prototype, and the key is lost. */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  if (k !== '__proto__') o[k] = v;
  else Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}
