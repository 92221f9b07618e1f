// A gateway trace with one call refused before any answer (error status, no HTTP code), its retry answered
// by orders, shared by the audit and services tests of failed-connection calls.
import { id16, id32, type SynthSpan } from '../../cli/synth.js';

export function refusedCallTrace(salt: number, idSalt: number): { trace: string; id: (n: number) => string; spans: SynthSpan[] } {
  const trace = id32(salt, idSalt);
  const id = (n: number): string => id16(n, idSalt);
  return {
    trace, id,
    spans: [
      { trace, id: id(1), service: 'gateway', name: 'GET /r', kind: 2, start: 0, dur: 50, http: 200 },
      { trace, id: id(2), parent: id(1), service: 'gateway', name: 'GET', kind: 3, start: 1, dur: 2, status: 2, attrs: { 'http.request.method': 'GET', 'error.type': 'ECONNREFUSED', 'server.address': 'orders' } },
      { trace, id: id(3), parent: id(1), service: 'gateway', name: 'GET', kind: 3, start: 10, dur: 20, http: 200, resend: 1, attrs: { 'server.address': 'orders' } },
      { trace, id: id(4), parent: id(3), service: 'orders', name: 'GET /x', kind: 2, start: 11, dur: 18, http: 200 },
    ],
  };
}
