/**
 * A Deny put on a running task role, as the workload sees it: the change reaches the role's calls
 * after IAM's propagation delay, a `DateLessThan aws:CurrentTime` condition ends it on the sandbox's
 * clock, and a deletion reaches them after the same delay. IAM's own answers are immediate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ManualClock, type Sandbox } from '../../sandbox/index.js';
import { withSandbox, type Clients } from '../support/sandbox.js';

/**
 * The sandbox's propagation delay here: 1000 AWS seconds at the fast pace's 1/500 = 2 s of the
 * sandbox's clock, two of the app's rounds of calls (one a second).
 */
const PROPAGATION_MS = 2_000;

describe('a Deny on the running task role (sandbox)', () => {
  let ctx: { sandbox: Sandbox } & Clients;
  const clock = new ManualClock();
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast', now: clock.now, iamPropagationSeconds: 1000 });
  });
  after(async () => {
    ctx.ecs.destroy();
    ctx.iam.destroy();
    ctx.sts.destroy();
    await ctx.sandbox.close();
  });

  /** Moves the sandbox's clock and its world (the next call catches up), then reads the denied PutObject calls. */
  async function advance(ms: number): Promise<number> {
    clock.advance(ms);
    await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }));
    return denied();
  }
  function denied(): number {
    return ctx.sandbox.world.workload.counters('demo', 'orders')?.errors['s3:PutObject']?.AccessDenied ?? 0;
  }
  function deny(until: Date): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: 's3:PutObject',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:CurrentTime': until.toISOString() } },
        },
      ],
    });
  }

  test('the Deny reaches the calls after the propagation delay and ends by itself at its end time', async () => {
    assert.equal(ctx.sandbox.world.iam.propagationMs, PROPAGATION_MS);
    await advance(2_000);
    assert.equal(denied(), 0, 'the demo app writes S3 before the Deny');
    const end = new Date(clock.now() + 10_000);
    await ctx.iam.send(
      new PutRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'deny-put', PolicyDocument: deny(end) }),
    );
    // IAM answers with the policy at once...
    const read = await ctx.iam.send(new GetRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'deny-put' }));
    assert.match(decodeURIComponent(read.PolicyDocument ?? ''), /DateLessThan/);
    // ...but the app's calls see it only after the propagation delay.
    assert.equal(await advance(PROPAGATION_MS - 500), 0, 'no call is denied before the change propagated');
    const during = await advance(1_500);
    assert.ok(during > 0, 'the calls are denied once the change propagated');
    // Past the end time, the condition no longer matches: the calls succeed though the policy is still there.
    await advance(end.getTime() - clock.now() + 1);
    const atEnd = denied();
    assert.equal(await advance(3_000), atEnd, 'no call is denied after the Deny expired');
    await ctx.iam.send(new DeleteRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'deny-put' }));
  });

  test('a deleted Deny keeps denying until the deletion propagated', async () => {
    const end = new Date(clock.now() + 600_000);
    await ctx.iam.send(
      new PutRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'deny-put', PolicyDocument: deny(end) }),
    );
    const before = await advance(PROPAGATION_MS + 1_000);
    await ctx.iam.send(new DeleteRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'deny-put' }));
    const justAfter = await advance(PROPAGATION_MS - 500);
    assert.ok(justAfter > before, 'the calls are still denied right after the deletion');
    await advance(600);
    const settled = denied();
    assert.equal(await advance(3_000), settled, 'no call is denied once the deletion propagated');
  });
});
