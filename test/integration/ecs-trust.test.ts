/**
 * Chaos roles whose trust policy carries the conditions AWS recommends: preflight judges them with
 * the keys ECS supplies, and the sandbox starts tasks with the same keys, so a valid setup runs and
 * an invalid one is refused before any change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('chaos role trust policies with the conditions AWS recommends', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  async function role(name: string, condition: Record<string, Record<string, string>>): Promise<string> {
    await ctx.iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ecs-tasks.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: condition,
            },
          ],
        }),
      }),
    );
    return roleArn(name);
  }

  test('aws:SourceAccount and aws:SourceArn of the account: preflight passes, the chaos tasks start, Pass', async () => {
    const arn = await role('cond-chaos-role', {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:us-east-1:123456789012:*' },
    });
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const { result, io } = await runFault(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: arn });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.ok(
      io.messages.some((m) => /ok +chaos role trusts ECS tasks: .*aws:SourceAccount and aws:SourceArn/.test(m.message)),
    );
  });

  test('another account in aws:SourceAccount: refused in preflight, nothing changed', async () => {
    const arn = await role('other-account-chaos-role', { StringEquals: { 'aws:SourceAccount': '999999999999' } });
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(
      runFault(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: arn }),
      (error: unknown) => {
        assert.ok(error instanceof PreflightError);
        assert.match(error.message, /chaos role trusts ECS tasks.*aws:SourceAccount 123456789012/);
        return true;
      },
    );
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
  });

  test('a condition on a key ECS does not supply: a warning, then the launch failure reported and restored', async () => {
    const arn = await role('org-chaos-role', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } });
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const { result, io } = await runFault(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: arn });
    assert.ok(
      io.messages.some((m) =>
        /warn chaos role trusts ECS tasks: .*only under conditions on aws:PrincipalOrgID/.test(m.message),
      ),
    );
    assert.equal(result.verdict, 'Fail', result.verdictReason);
    assert.ok(result.reactions!.some((r) => r.kind === 'launch-failure'));
    assert.deepEqual(result.residue, { clean: true, items: [] });
  });

  test('a chaos role of another account is refused in preflight (ECS tasks use roles of their own account)', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(
      runFault(ctx.sandbox, {
        cluster: 'demo',
        service: 'orders',
        taskRole: 'arn:aws:iam::999999999999:role/orders-chaos-role',
      }),
      (error: unknown) => {
        assert.ok(error instanceof PreflightError);
        assert.match(
          error.message,
          /chaos role exists.*account|another account|in this account is arn:aws:iam::123456789012:role\/orders-chaos-role/,
        );
        return true;
      },
    );
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
  });

  test('tags AWS reserves (aws:...) on the original are not copied: the run passes and the copy lacks them', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const region = ctx.sandbox.world.ecs.region('us-east-1');
    const original = region.findTaskDefinition('orders:1')!;
    // As CloudFormation leaves them; the API refuses to write such keys, so the test sets it directly.
    original.tags.push({ key: 'aws:cloudformation:stack-name', value: 'orders-stack' });
    try {
      const { result } = await runFault(ctx.sandbox, {
        cluster: 'demo',
        service: 'orders',
        taskRole: roleArn('orders-chaos-role'),
      });
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      const copy = region.findTaskDefinition(result.effect.chaosTaskDefinitionArn!)!;
      assert.ok(!copy.tags.some((t) => t.key.startsWith('aws:')), JSON.stringify(copy.tags));
    } finally {
      original.tags = original.tags.filter((t) => !t.key.startsWith('aws:'));
    }
  });
});
