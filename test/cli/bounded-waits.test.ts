import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';
const ecsTasksTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const ec2Trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

describe('bounded waits: no hang, a clear end', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-waits-'));
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('a restore that cannot finish within --restore-timeout ends in exit 4 with the recover command, which then repairs it', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const iam = ctx.sandbox.world.iam;
    let updates = 0;
    // When the restore starts, the original task role stops trusting ECS tasks: no original task can start.
    const breakTrust = (call: { action: string }): void => {
      if (call.action === 'UpdateService' && ++updates === 2) iam.updateAssumeRolePolicy('orders-task-role', ec2Trust);
    };
    ctx.sandbox.world.interceptors.push(breakTrust);
    const resultFile = join(dir, 'restore-timeout.json');
    let run;
    try {
      run = await runCli(
        [
          'run',
          'update-task-role',
          '--cluster',
          'demo',
          '--service',
          'orders',
          '--region',
          'us-east-1',
          '--task-role',
          CHAOS_ROLE,
          '--duration',
          '1',
          '--restore-timeout',
          '2',
          '--result-file',
          resultFile,
        ],
        { env },
      );
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(breakTrust), 1);
      iam.updateAssumeRolePolicy('orders-task-role', ecsTasksTrust);
    }
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stdout, /the restore did not finish within 2s \(--restore-timeout\)/);
    const recoverCommand = `ecs-chaos recover --cluster demo --service orders --region us-east-1 --endpoint-url ${ctx.sandbox.endpoint}`;
    assert.ok(run.stderr.includes(recoverCommand), run.stderr);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.equal(result.residue.clean, false);
    assert.equal(result.residue.recoverCommand, recoverCommand);

    // The trust is fixed: the printed command repairs everything.
    const recovered = await runCli(recoverCommand.split(' ').slice(1), { env });
    assert.equal(recovered.code, 0, `${recovered.stdout}\n${recovered.stderr}`);
    const svc = (
      await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
    ).services![0]!;
    assert.match(svc.taskDefinition!, /orders:1$/);
    assert.deepEqual(
      (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
      [],
    );
  });

  test('a chaos revision that cannot be placed within --rollout-timeout ends the run, restored, with the limit named', async () => {
    await ctx.ecs.send(new CreateClusterCommand({ clusterName: 'tight' }));
    const region = ctx.sandbox.world.ecs.region('us-east-1');
    // One instance with room for exactly one task: the chaos task has nowhere to go.
    region.registerContainerInstance(region.cluster('tight'), { cpu: 256, memory: 512, now: new Date() });
    await ctx.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tight',
        containerDefinitions: [{ name: 'c', image: 'c:1', cpu: 256, memory: 512 }],
      }),
    );
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'tight',
        serviceName: 'one',
        taskDefinition: 'tight:1',
        desiredCount: 1,
        launchType: 'EC2',
      }),
    );
    await waitSteady(ctx.ecs, 'tight', 'one');
    const run = await runCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'tight',
        '--service',
        'one',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--duration',
        '1',
        '--rollout-timeout',
        '2',
      ],
      { env },
    );
    assert.equal(run.code, 1, `restored, so nothing to recover: ${run.stderr}`);
    assert.match(run.stdout, /no task of tight:2 was RUNNING within 2s \(--rollout-timeout\)/);
    assert.match(run.stdout, /residue:\s+none/);
    const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'tight', services: ['one'] })))
      .services![0]!;
    assert.match(svc.taskDefinition!, /tight:1$/);
    assert.ok(
      svc.events!.some((e) => /unable to place a task/.test(e.message!)),
      'ECS said why',
    );
  });
});
