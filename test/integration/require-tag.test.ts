import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHECK = 'service carries the required tag';

/** The names of the preflight checks a run reported, in order. */
function checkNames(io: Awaited<ReturnType<typeof runFault>>['io']): string[] {
  return io.withCode('preflight.check').map((m) => String(m.data?.name));
}

describe('the target guard (--require-tag / CHAOS_REQUIRE_TAG)', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    // The demo's services carry chaos-allowed=true and app=orders / app=billing.
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  const orders = { cluster: 'demo', service: 'orders', taskRole: roleArn('orders-chaos-role') };
  const refusals: Array<[string, string, RegExp]> = [
    ['a service without the tag key', 'env=staging', /does not carry the tag env=staging.*it has no tag 'env'\./],
    [
      'a service with another value for the key',
      'app=billing',
      /does not carry the tag app=billing.*it has app=orders\./,
    ],
    [
      'a service whose key differs only in case',
      'App=orders',
      /it has no tag 'App' \(tag keys are case-sensitive; it has app=orders\)/,
    ],
    ['a service whose tag value differs only in case', 'chaos-allowed=True', /it has chaos-allowed=true\./],
    [
      'a service without an empty-valued tag',
      'chaos-allowed=',
      /does not carry the tag chaos-allowed= .*it has chaos-allowed=true/,
    ],
  ];
  for (const [what, tag, says] of refusals) {
    test(`refuses ${what} (${tag}) in preflight, with no mutation`, async () => {
      // Prepare
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      // Act, Assess
      await assert.rejects(runFault(ctx.sandbox, { ...orders, requireTag: tag }), (error: unknown) => {
        assert.ok(error instanceof PreflightError, String(error));
        assert.equal(error.fault, 'user');
        assert.equal((error.detail as { check: string }).check, CHECK);
        assert.match(error.message, says);
        assert.match(error.message, /Fix: check --cluster \/ CLUSTER_NAME and --service \/ SERVICE_NAME/);
        assert.match(
          error.message,
          /aws ecs tag-resource --resource-arn arn:aws:ecs:us-east-1:123456789012:service\/demo\/orders/,
        );
        // The guard runs right after the service is found, before anything else is looked at.
        assert.deepEqual(
          error.checks.map((c) => c.name),
          ['cluster exists', 'service exists', CHECK],
        );
        return true;
      });
      assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
    });
  }

  test('runs to a Pass when the service carries the tag, with the check right after "service exists"', async () => {
    // Prepare
    await waitSteady(ctx.ecs, 'demo', 'orders');
    // Act
    const { result, io } = await runFault(ctx.sandbox, { ...orders, requireTag: 'chaos-allowed=true' });
    // Assess
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.residue.clean, true);
    const names = checkNames(io);
    assert.equal(names[names.indexOf('service exists') + 1], CHECK);
    const check = io.withCode('preflight.check').find((m) => m.data?.name === CHECK);
    assert.equal(check?.data?.status, 'pass');
    assert.match(check?.message ?? '', /carries chaos-allowed=true/);
  });

  test('matches the tag of the service named, not of its neighbours (app=billing on billing)', async () => {
    await waitSteady(ctx.ecs, 'demo', 'billing');
    const { result } = await runFault(ctx.sandbox, {
      ...orders,
      service: 'billing',
      requireTag: 'app=billing',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
  });

  test('adds no check line when no tag is required', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const { result, io } = await runFault(ctx.sandbox, orders);
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.ok(!checkNames(io).includes(CHECK), checkNames(io).join(', '));
  });
});
