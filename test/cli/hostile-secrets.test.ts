import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

describe('a secret in a probe never reaches the output (the built program)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-hostile-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
  const base = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];

  const experiment = (name: string, probe: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `probes:\n${probe}`);
    return file;
  };

  const cases: Array<[string, string[], string]> = [
    [
      'an http probe URL with a password (plan --output json)',
      [
        'plan',
        '--output',
        'json',
        '-f',
        experiment(
          'http.yaml',
          '  - name: a\n    type: http\n    mode: Edge\n    http: { url: "http://admin:Sup3rSecret@orders/health" }\n',
        ),
      ],
      'Sup3rSecret',
    ],
    [
      'a Prometheus endpoint with user info (run)',
      [
        'run',
        'update-task-role',
        '-f',
        experiment(
          'prom.yaml',
          '  - name: p\n    type: prometheus\n    mode: Edge\n    prometheus: { endpoint: "https://u:Pr0mSecret@prom:9090", query: "sum(up)", comparator: ">= 1" }\n',
        ),
      ],
      'Pr0mSecret',
    ],
    [
      'a --http-probe URL with a password',
      ['run', 'update-task-role', '--http-probe', 'http://a:FlagSecret@h/'],
      'FlagSecret',
    ],
    [
      'a misspelt key holding an Authorization header',
      [
        'plan',
        '-f',
        experiment(
          'typo.yaml',
          '  - name: a\n    type: http\n    mode: Edge\n    http: { url: "http://orders/", header: { Authorization: "Bearer TypoSecret" } }\n',
        ),
      ],
      'TypoSecret',
    ],
  ];
  for (const [what, args, secret] of cases) {
    test(`${what}: exit 2, the secret on neither stdout nor stderr`, async () => {
      const run = await runCli([...args, ...base], { env, cwd: dir });
      assert.equal(run.code, 2, run.stderr);
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), run.stderr);
      assert.match(run.stderr, /Fix: /);
    });
  }
});
