#!/usr/bin/env node
// Before the tests: a few tests drive real programs from Debian packages. Installs the missing ones,
// in one apt-get run, when this machine can (root with apt-get), or says how to.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The programs the tests run, and the Debian package of each. */
const TOOLS = [
  { path: '/usr/bin/chromium', pkg: 'chromium', usedBy: "the HTML report's browser test" },
  { path: '/usr/bin/prometheus', pkg: 'prometheus', usedBy: "the prometheus probe's test" },
];

const missing = TOOLS.filter((tool) => !existsSync(tool.path));
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.pkg).join(' ');
const what = missing.map((tool) => `${tool.path} (${tool.usedBy})`).join(', ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `missing: ${what}. Install Debian's ${packages} (sudo apt-get install ${packages}) and run the tests again.`,
  );
  process.exit(1);
}

console.error(`installing ${packages} for ${missing.map((tool) => tool.usedBy).join(' and ')} (apt-get)...`);
// Without recommends: prometheus would pull in and start prometheus-node-exporter, which no test uses.
const install = spawnSync(
  'sh',
  [
    '-c',
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages}`,
  ],
  { stdio: 'inherit' },
);
const stillMissing = missing.filter((tool) => !existsSync(tool.path));
if (install.status !== 0 || stillMissing.length > 0) {
  console.error(
    `apt-get could not install ${packages} (exit ${install.status ?? install.signal}); ` +
      `still missing: ${stillMissing.map((tool) => tool.path).join(', ') || 'none'}. ` +
      `Install them (apt-get install ${packages}) and run the tests again.`,
  );
  process.exit(1);
}
