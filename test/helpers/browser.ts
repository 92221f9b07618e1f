// Headless Debian Chromium through playwright-core for the HTML report tests. The browser is a system package,
// not an npm dependency: where it is not installed the test is skipped with a printed reason, and under
// TRACEWIRE_REQUIRE_SERVICES=1 (.ci/run) that skip is a failure.
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

const EXE = '/usr/bin/chromium';

/** A launched browser (the caller closes it), or null after printing why the test is skipped. */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(EXE)) {
    if (process.env.TRACEWIRE_REQUIRE_SERVICES === '1') assert.unreachable(`chromium is required (apt-get install -y chromium) but ${EXE} is missing`);
    console.log(`SKIP: ${EXE} not installed (apt-get install -y chromium)`);
    return null;
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: EXE, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}
