/**
 * An endpoint that cannot be reached: every command says so in one line with the endpoint and the
 * fix, exits 2, prints no stack, and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';

// A loopback port nothing listens on: the connection is refused at once.
const ENDPOINT = 'http://127.0.0.1:1';
const ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL: ENDPOINT,
  AWS_PROFILE: '',
  AWS_REGION: '',
};
const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];
const ROLE = ['--task-role', 'arn:aws:iam::123456789012:role/orders-chaos-role'];

describe('an unreachable endpoint', () => {
  for (const [name, args] of [
    ['plan', ['plan', ...TARGET, ...ROLE]],
    ['run', ['run', 'update-task-role', ...TARGET, ...ROLE]],
    ['status', ['status', ...TARGET]],
    ['recover', ['recover', ...TARGET]],
    ['audit', ['audit', ...TARGET]],
  ] as const) {
    test(`${name}: exit 2, "cannot reach" the endpoint with the fix, no stack`, async () => {
      const result = await runCli([...args], { env: ENV });
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.match(
        result.stderr,
        /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED: .*\)\. Fix: check --endpoint-url \/ AWS_ENDPOINT_URL/,
      );
      assert.match(result.stderr, /nothing was changed/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
