import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { runCli, startCli } from '../support/cli.js';

describe('ecs-chaos sandbox --fault', () => {
  test('starts with the fault rules, prints them and the seed, and the SDK gets the faults', async () => {
    const cli = startCli([
      'sandbox',
      '--port',
      '0',
      '--scenario',
      'demo',
      '--pace',
      'fast',
      '--fault',
      'ecs:DescribeServices=throttle',
      '--fault',
      'ListClusters=error503x1',
      '--fault-seed',
      '7',
    ]);
    try {
      const [, endpoint, region] = await cli.waitForOutput(
        /^sandbox ready endpoint=(http:\/\/127\.0\.0\.1:\d+) region=(\S+)$/m,
      );
      await cli.waitForOutput(/^# fault seed: /m);
      const { stdout } = cli.output();
      assert.match(stdout, /^# faults: f1 ecs:DescribeServices=throttle; f2 ListClusters=error503x1$/m);
      assert.match(stdout, /^# fault seed: 7 \(replay with --fault-seed 7\)$/m);

      const ecs = new ECSClient({
        endpoint,
        region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      try {
        const error = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })).then(
          () => assert.fail('DescribeServices should be throttled'),
          (err: Error & { $metadata?: { httpStatusCode?: number } }) => err,
        );
        assert.equal(error.name, 'ThrottlingException');
        assert.equal(error.message, 'Rate exceeded');
        assert.equal(error.$metadata?.httpStatusCode, 400);
        // Other operations go through.
        const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
        assert.equal(clusters.clusters![0]!.clusterName, 'demo');
      } finally {
        ecs.destroy();
      }

      const faults = (await (await fetch(`${endpoint}/_sandbox/faults`)).json()) as {
        seed: number;
        rules: { id: string; injected: number }[];
      };
      assert.equal(faults.seed, 7);
      assert.deepEqual(
        faults.rules.map((r) => [r.id, r.injected]),
        [
          ['f1', 1],
          ['f2', 0],
        ],
      );
    } finally {
      cli.child.kill('SIGTERM');
    }
    const { code } = await cli.exited;
    assert.equal(code, 0);
  });

  test('without --fault the ready output has no fault lines', async () => {
    const cli = startCli(['sandbox', '--port', '0', '--scenario', 'empty']);
    try {
      await cli.waitForOutput(/export AWS_REGION=/);
      assert.doesNotMatch(cli.output().stdout, /fault/);
    } finally {
      cli.child.kill('SIGTERM');
    }
    await cli.exited;
  });

  test('--fault-seed alone prints the seed and no rules', async () => {
    const cli = startCli(['sandbox', '--port', '0', '--scenario', 'empty', '--fault-seed', '4294967295']);
    try {
      await cli.waitForOutput(/^# fault seed: 4294967295 /m);
      assert.match(cli.output().stdout, /^# faults: none yet \(add them with POST \/_sandbox\/faults\)$/m);
    } finally {
      cli.child.kill('SIGTERM');
    }
    await cli.exited;
  });

  const BAD: [string[], RegExp][] = [
    [
      ['--fault', 'UpdateService=throtle'],
      /^ecs-chaos: --fault: unknown fault kind 'throtle' \(got "UpdateService=throtle"\)\. Fix: use latency, throttle, error500, error503, drop or hang$/m,
    ],
    [
      ['--fault', 'UpdateService'],
      /^ecs-chaos: --fault: no '=' between the operation and the fault kind \(got "UpdateService"\)\. Fix: /m,
    ],
    [
      ['--fault', 'ec2:RunInstances=drop'],
      /^ecs-chaos: --fault: unknown service 'ec2' \(got "ec2:RunInstances=drop"\)/m,
    ],
    [['--fault', 'UpdateService=throttle@2'], /^ecs-chaos: --fault: probability '2' is not from 0 to 1/m],
    // Parses, but names no operation of the sandbox: refused as well, naming the rule.
    [
      ['--fault', 'ecs:*=drop', '--fault', 'ecs:UpdateServce=drop'],
      /^ecs-chaos: --fault: 'UpdateServce' matches no operation of ecs \(got "ecs:UpdateServce=drop"\)\. Fix: did you mean UpdateService\?/m,
    ],
    [
      ['--fault-seed', 'seven'],
      /^ecs-chaos: --fault-seed: must be a whole number from 0 to 4294967295 \(got "seven"\)/m,
    ],
    [['--fault-seed', '4294967296'], /^ecs-chaos: --fault-seed: must be a whole number from 0 to 4294967295/m],
  ];
  for (const [args, message] of BAD) {
    test(`refuses ${args.join(' ')} with exit 2, naming the flag`, async () => {
      const result = await runCli(['sandbox', '--port', '0', '--scenario', 'empty', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stdout, /sandbox ready/);
    });
  }
});
