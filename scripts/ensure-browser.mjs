#!/usr/bin/env node
// Before the tests: the HTML report's browser test drives Debian's chromium. Installs it when it is
// missing and this machine can (root with apt-get), or says how to.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `${CHROMIUM} is missing: install Debian's chromium package (sudo apt-get install chromium) and run the tests again.`,
  );
  process.exit(1);
}
console.error('installing chromium for the browser test (apt-get)...');
execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
  stdio: 'inherit',
});
