/**
 * The AWS SDK clients are on one version line: every `@aws-sdk/*` dependency is pinned exactly to a
 * 3.x version, and the lockfile resolves them all to one copy of the SDK's core packages (two
 * copies would mean two middleware stacks, two credential caches and two sets of error classes).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};

test('every @aws-sdk dependency is pinned exactly to a 3.x version', () => {
  const sdk = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(([name]) =>
    name.startsWith('@aws-sdk/'),
  );
  assert.ok(sdk.length >= 5, 'the ECS, IAM, STS, CloudTrail and CloudWatch clients');
  for (const [name, version] of sdk) assert.match(version, /^3\.\d+\.\d+$/, `${name} ${version}`);
});

test('the lockfile has one copy of each SDK core package', () => {
  for (const core of ['@aws-sdk/core', '@smithy/core', '@smithy/types', '@smithy/node-http-handler']) {
    const copies = Object.entries(lock.packages)
      .filter(([path]) => path === `node_modules/${core}` || path.endsWith(`/node_modules/${core}`))
      .map(([path, entry]) => `${path}@${entry.version}`);
    assert.equal(copies.length, 1, `${core}: ${copies.join(', ')}`);
  }
});
