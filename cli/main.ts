// `tracewire <command>`: dispatch, help, and the one place that turns errors into exit codes.
import { readFileSync } from 'node:fs';
import { EXIT_USAGE, UsageError, parse, type Command } from './args.js';
import { InputError } from './read.js';
import { viewCommand } from './view.js';
import { servicesCommand } from './services.js';
import { auditCommand } from './audit.js';
import { checkCommand } from './check.js';
import { reportCommand } from './report.js';
import { demoCommand } from './demo.js';

const COMMANDS: Command[] = [demoCommand, viewCommand, servicesCommand, auditCommand, checkCommand, reportCommand];

function version(): string {
  // cli/main.ts in a checkout, dist/esm/cli/main.js when built
  const pkg = new URL(import.meta.url.includes('/dist/esm/cli/') ? '../../../package.json' : '../package.json', import.meta.url);
  try { return String(JSON.parse(readFileSync(pkg, 'utf8')).version); } catch { return 'unknown'; }
}

export function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `tracewire: look traces up by ID, map services, and find where trace propagation breaks.
Works on the JSON-lines OTLP files tracewire's file exporter writes (a file, its rotated siblings, or a
directory of them: --file); needs no backend.

Usage: tracewire <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Start with:  npx tracewire demo
Help on one: tracewire <command> --help`;
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write((sub ? sub.usage : mainHelp()) + '\n');
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') { process.stdout.write(version() + '\n'); return 0; }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    process.stderr.write(`tracewire: unknown command '${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}'\n\n${mainHelp()}\n`);
    return EXIT_USAGE;
  }
  // --json promises JSON on stdout in every path: an error too (`... --json | jq` must not read nothing)
  let json = rest.includes('--json');
  try {
    const { values, positionals } = parse(cmd, rest);
    json = values.json === true;
    if (values.help === true) { process.stdout.write(cmd.usage + '\n'); return 0; }
    return await cmd.run(values, positionals);
  } catch (e) {
    const fail = (code: number, msg: string, kind: string): number => {
      if (json) process.stdout.write(JSON.stringify({ error: msg, code: kind, exitCode: code }) + '\n');
      return code;
    };
    if (e instanceof UsageError) {
      process.stderr.write(`tracewire ${cmd.name}: ${e.message}\n(see: tracewire ${cmd.name} --help)\n`);
      return fail(EXIT_USAGE, e.message, e.code);
    }
    if (e instanceof InputError) { process.stderr.write(`tracewire ${cmd.name}: ${e.message}\n`); return fail(EXIT_USAGE, e.message, e.code); }
    process.stderr.write(`tracewire ${cmd.name}: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return fail(70, `unexpected error: ${(e as Error)?.message ?? String(e)}`, 'TW_ERR_INTERNAL'); // EX_SOFTWARE: a bug in tracewire, not in the input
  }
}

// `tracewire | head` closes stdout early: stop quietly instead of an EPIPE stack trace.
// `tracewire ... 2>&1 | head` closes stderr too (warnings, progress): the same, or the unhandled error exits 1 with no word
for (const stream of [process.stdout, process.stderr]) stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });

export async function run(argv: string[]): Promise<void> {
  process.exitCode = await main(argv);
  // for bench/cli-scale.ts: the peak memory of this command
  if (process.env.TRACEWIRE_PEAK_RSS === '1') process.stderr.write(`peak rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
}
