/**
 * A DAEMON service against the sandbox, which now models it as ECS does (EC2 only, one task per
 * container instance, maximumPercent at most 100): the fault is refused in preflight, nothing changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateServiceCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('a DAEMON service', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'agent',
        taskDefinition: 'billing:1',
        launchType: 'EC2',
        schedulingStrategy: 'DAEMON',
        tags: [{ key: 'chaos-allowed', value: 'true' }],
      }),
    );
    await waitSteady(ctx.ecs, 'demo', 'agent');
  });
  after(() => ctx.sandbox.close());

  test('runs one task per container instance, with no surge', async () => {
    const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['agent'] })))
      .services![0]!;
    assert.equal(svc.schedulingStrategy, 'DAEMON');
    assert.equal(svc.desiredCount, 1);
    assert.equal(svc.runningCount, 1);
    assert.equal(svc.deploymentConfiguration!.maximumPercent, 100);
    assert.equal(svc.deploymentConfiguration!.minimumHealthyPercent, 0);
  });

  test('the fault refuses it in preflight (exit 2): nothing is changed', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(
      runFault(ctx.sandbox, { cluster: 'demo', service: 'agent', taskRole: roleArn('orders-chaos-role') }),
      (error: unknown) => {
        assert.ok(error instanceof PreflightError, String(error));
        assert.match(error.message, /DAEMON/);
        return true;
      },
    );
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
  });
});
