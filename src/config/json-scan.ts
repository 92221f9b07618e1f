// Where JSON text stops being valid. V8 on Node 20 gives no position for "Unexpected token" errors
// (`{"a": tru}`, `[1,]`), so load.ts asks this scanner instead. Iterative (an explicit stack): deep nesting
// in a wrong file must not overflow the call stack.

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const LITERALS = ['true', 'false', 'null'];
const OBJ = 123, ARR = 91; // '{' '['

/**
 * Offset of the first character that cannot continue valid JSON: the start of a bad token (`tru`), an
 * unexpected character, or `text.length` when the text ends too early. -1 when the text is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  const ws = (): void => { while (i < n && isWs(text.charCodeAt(i))) i++; };
  const digits = (): boolean => { // one or more
    if (!isDigit(text.charCodeAt(i))) return false;
    while (isDigit(text.charCodeAt(i))) i++;
    return true;
  };
  const string = (): boolean => { // at '"'
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return true; }
      if (c < 0x20) return false;
      if (c !== 92) continue;
      const e = text.charCodeAt(++i);
      if (e === 117) { // \uXXXX
        for (let k = 1; k <= 4; k++) if (!isHex(text.charCodeAt(i + k))) { i = Math.min(i + k, n); return false; }
        i += 4;
      } else if (!(e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return false;
    }
    return false;
  };
  const number = (): boolean => {
    if (text.charCodeAt(i) === 45) i++;
    if (text.charCodeAt(i) === 48) i++;
    else if (!digits()) return false;
    if (text.charCodeAt(i) === 46) { i++; if (!digits()) return false; }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const s = text.charCodeAt(i);
      if (s === 43 || s === 45) i++;
      if (!digits()) return false;
    }
    return true;
  };
  const key = (): boolean => { // a property name and its ':'
    ws();
    if (text.charCodeAt(i) !== 34 || !string()) return false;
    ws();
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    return true;
  };

  for (;;) {
    // a value is expected at i
    ws();
    if (i >= n) return n;
    const c = text.charCodeAt(i);
    if (c === OBJ || c === ARR) {
      i++;
      ws();
      if (text.charCodeAt(i) === (c === OBJ ? 125 : 93)) i++; // {} or []
      else {
        stack.push(c);
        if (c === OBJ && !key()) return Math.min(i, n);
        continue;
      }
    } else if (c === 34) { if (!string()) return Math.min(i, n); }
    else if (c === 45 || isDigit(c)) { if (!number()) return Math.min(i, n); }
    else {
      const w = LITERALS.find((l) => text.startsWith(l, i));
      if (w === undefined) return i;
      i += w.length;
    }
    // after a value: close containers until a ',' asks for the next value
    for (;;) {
      ws();
      if (stack.length === 0) return i < n ? i : -1;
      if (i >= n) return n;
      const d = text.charCodeAt(i);
      const top = stack[stack.length - 1];
      if (d === 44) { // ','
        i++;
        if (top === OBJ && !key()) return Math.min(i, n);
        break;
      }
      if (d !== (top === OBJ ? 125 : 93)) return i;
      i++;
      stack.pop();
    }
  }
}
