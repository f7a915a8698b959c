/**
 * deny-task-permissions through the library with real SDK clients against the sandbox: a Deny of
 * s3:PutObject on the demo's orders service. The service's task definition and deployments never
 * change; the workload's PutObject calls fail during the window and succeed after; the result
 * reports both propagation times; the role's policies are the same before and after.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { policySize } from '../../src/iam/policy.js';
import { runDeny } from '../support/deny.js';
import { waitFor, withSandbox, type Clients } from '../support/sandbox.js';
import type { Sandbox } from '../../sandbox/index.js';

const fillerPolicy = (name: string): object => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}` }],
});

describe('deny-task-permissions on the demo service (library, real SDK clients)', () => {
  let ctx: { sandbox: Sandbox } & Clients;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(async () => {
    ctx.ecs.destroy();
    ctx.iam.destroy();
    ctx.sts.destroy();
    await ctx.sandbox.close();
  });

  async function roleSnapshot(): Promise<unknown> {
    const RoleName = 'orders-task-role';
    const [role, inline, attached] = await Promise.all([
      ctx.iam.send(new GetRoleCommand({ RoleName })),
      ctx.iam.send(new ListRolePoliciesCommand({ RoleName })),
      ctx.iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
    ]);
    return { tags: role.Role?.Tags ?? [], inline: inline.PolicyNames, attached: attached.AttachedPolicies };
  }
  const putErrors = (): number =>
    ctx.sandbox.world.workload.counters('demo', 'orders')?.errors['s3:PutObject']?.AccessDenied ?? 0;
  const putRequests = (): number =>
    ctx.sandbox.world.workload.counters('demo', 'orders')?.requests['s3:PutObject'] ?? 0;

  test('denies s3:PutObject to the running tasks for the window, then the calls succeed again', async () => {
    const service = async (): Promise<unknown> => {
      const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      return { taskDefinition: s.taskDefinition, deployments: s.deployments?.map((d) => [d.id, d.taskDefinition]) };
    };
    const serviceBefore = await service();
    const roleBefore = await roleSnapshot();
    const errorsBefore = putErrors();
    // A probe of the app's health every second during the chaos, one attempt each: the witness.
    const dir = mkdtempSync(join(tmpdir(), 'deny-'));
    const file = join(dir, 'experiment.json');
    writeFileSync(
      file,
      JSON.stringify({
        probes: [
          {
            name: 'orders-health',
            type: 'http',
            mode: 'OnChaos',
            http: { url: `${ctx.sandbox.endpoint}/_sandbox/workload/demo/orders/health`, status: '== 200' },
            runProperties: { attempts: 1, pollingInterval: '1s', timeout: '2s' },
          },
        ],
      }),
    );
    const { result } = await runDeny(ctx.sandbox, { actions: 's3:PutObject' }, file);
    rmSync(dir, { recursive: true, force: true });
    // The task definition and the deployments never changed.
    assert.deepEqual(await service(), serviceBefore);
    assert.deepEqual(
      result.mutations.map((m) => [m.operation, m.undone]),
      [
        ['TagRole', true],
        ['PutRolePolicy', true],
      ],
    );
    // The workload's PutObject calls failed during the window...
    const errorsAfterRun = putErrors();
    assert.ok(errorsAfterRun > errorsBefore, 'PutObject calls were denied during the window');
    // ...and succeed after it: more calls, no more refusals.
    const requests = putRequests();
    await waitFor('more PutObject calls', async () => (putRequests() > requests + 4 ? true : undefined));
    assert.equal(putErrors(), errorsAfterRun, 'no PutObject call is denied after the window');
    // Both propagation times, seen by the probe that watched the app.
    const it = result.deny!.iterations[0]!;
    assert.equal(it.form, 'inline');
    assert.match(it.policyName, /^ecs-chaos-deny-/);
    assert.equal(typeof it.deniedAfterSeconds, 'number', JSON.stringify(it));
    assert.equal(typeof it.allowedAfterSeconds, 'number', JSON.stringify(it));
    assert.equal(it.deniedSeenBy, 'probe orders-health');
    assert.equal(it.allowedSeenBy, 'probe orders-health');
    // The role's policies, attachments and tags are as before.
    assert.equal(result.deny!.roleUnchanged, true);
    assert.deepEqual(await roleSnapshot(), roleBefore);
    assert.equal(result.residue.clean, true);
    assert.equal(result.effect.swapped, true);
    assert.equal(result.effect.restored, true);
  });

  test('a role whose inline policies are full gets a managed policy, detached and deleted after', async () => {
    const iam = ctx.sandbox.world.iam;
    // Fill the role's inline quota (10,240 characters) but 50, so the Deny cannot fit inline.
    const used = policySize(iam.getRolePolicy('orders-task-role', 'orders-data'));
    const wrapper = policySize(JSON.stringify(fillerPolicy('')));
    const filler = fillerPolicy('f'.repeat(10_240 - used - wrapper - 50));
    iam.putRolePolicy('orders-task-role', 'filler', filler);
    try {
      const before = await roleSnapshot();
      const { result, io } = await runDeny(ctx.sandbox, { actions: 's3:PutObject', duration: '1', interval: '1' });
      const it = result.deny!.iterations[0]!;
      assert.equal(it.form, 'managed');
      assert.deepEqual(
        result.mutations.map((m) => [m.operation, m.undone]),
        [
          ['TagRole', true],
          ['CreatePolicy', true],
          ['AttachRolePolicy', true],
        ],
      );
      assert.ok(
        io.messages.some((m) => m.level === 'warn' && /a customer managed policy of \d+ characters/.test(m.message)),
        'preflight says the managed form is used, and why',
      );
      assert.deepEqual(await roleSnapshot(), before);
      assert.equal(
        iam.listPolicies({ scope: 'Local' }).filter((p) => p.policyName.startsWith('ecs-chaos-deny-')).length,
        0,
      );
      assert.equal(result.deny!.roleUnchanged, true);
    } finally {
      iam.deleteRolePolicy('orders-task-role', 'filler');
    }
  });

  test('a management event (ssm:GetParameter) is witnessed in CloudTrail without any probe', async () => {
    const { result } = await runDeny(ctx.sandbox, { actions: 'ssm:GetParameter', duration: '2', interval: '2' });
    const it = result.deny!.iterations[0]!;
    assert.equal(typeof it.deniedAfterSeconds, 'number', JSON.stringify(it));
    assert.equal(it.deniedSeenBy, 'CloudTrail ssm:GetParameter');
    assert.equal(typeof it.allowedAfterSeconds, 'number', JSON.stringify(it));
    assert.equal(it.allowedSeenBy, 'CloudTrail ssm:GetParameter');
  });

  test('without a witness, the result says why the propagation was not measured', async () => {
    const { result } = await runDeny(ctx.sandbox, { actions: 'dynamodb:PutItem', duration: '1', interval: '1' });
    const it = result.deny!.iterations[0]!;
    assert.equal(it.deniedAfterSeconds, undefined);
    assert.match(it.notes.join(' '), /no OnChaos or Continuous probe watched the app/);
    assert.match(it.notes.join(' '), /cannot show dynamodb:PutItem \(data events\)/);
  });

  test('a stop mid-window (a signal) removes the Deny at once: verdict Stopped, the role as before', async () => {
    const before = await roleSnapshot();
    const stop = new AbortController();
    const interceptor = (call: { action: string }): void => {
      // Once the Deny is on the role, the run is told to stop.
      if (call.action === 'PutRolePolicy') setTimeout(() => stop.abort(new Error('SIGINT')), 200);
    };
    ctx.sandbox.world.interceptors.push(interceptor);
    try {
      const { result } = await runDeny(
        ctx.sandbox,
        { actions: 's3:PutObject', duration: '60', interval: '60' },
        undefined,
        stop.signal,
      );
      assert.equal(result.verdict, 'Stopped', result.verdictReason);
      assert.deepEqual(
        result.mutations.map((m) => [m.operation, m.undone]),
        [
          ['TagRole', true],
          ['PutRolePolicy', true],
        ],
      );
      assert.equal(result.residue.clean, true);
      assert.deepEqual(await roleSnapshot(), before);
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(interceptor), 1);
    }
  });

  test('a role other principals may assume (its trust policy) is refused, naming them, with nothing changed', async () => {
    const RoleName = 'orders-task-role';
    const original = (await ctx.iam.send(new GetRoleCommand({ RoleName }))).Role!.AssumeRolePolicyDocument!;
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: ['ecs-tasks.amazonaws.com', 'lambda.amazonaws.com'] },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    await ctx.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(trust) }));
    try {
      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      await assert.rejects(runDeny(ctx.sandbox, { actions: 's3:PutObject' }), (error: Error) => {
        assert.match(error.message, /principal Service: lambda\.amazonaws\.com/);
        assert.match(error.message, /--allow-shared-role/);
        return true;
      });
      assert.deepEqual(
        ctx.sandbox
          .requests(since)
          .filter(
            (r) => r.mutating && r.errorCode === null && r.action !== 'TagResource' && r.action !== 'UntagResource',
          ),
        [],
      );
    } finally {
      await ctx.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: decodeURIComponent(original) }));
    }
  });
});
