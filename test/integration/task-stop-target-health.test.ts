/**
 * task-stop on a load-balanced service, against the sandbox with real SDK clients: the target
 * group's health check (10 checks 30 s apart, scaled) takes much longer than a replacement takes to
 * reach RUNNING, and the run's recovery waits for it: the recovery comes no sooner than the
 * replacement's target could be healthy, the result says target health was checked, and an
 * independent client's DescribeTargetHealth shows the replacement `healthy` when the run says
 * recovered (and the stopped task's target draining or gone).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { loadExperimentSpec } from '../../src/config/load.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { runExperiment } from '../../src/engine/run.js';
import { RecordingIoHost, type IoMessage } from '../../src/io/io-host.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { awsDelayMs } from '../../sandbox/index.js';
import { taskPrivateIp } from '../../src/faults/task-stop/targets.js';
import { createWebService, waitSteady, waitWebListed, withSandbox } from '../support/sandbox.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const SLOW_CHECK = { healthyThresholdCount: 10, intervalSeconds: 30, deregistrationDelaySeconds: 60 };

/** An IoHost that, when the run says the service recovered, asks an independent client about the targets. */
class WatchingIo extends RecordingIoHost {
  seen: Promise<readonly TargetHealthDescription[]> | undefined;
  constructor(private readonly elb: ElasticLoadBalancingV2Client) {
    super();
  }
  override notify(message: IoMessage): void {
    super.notify(message);
    if (this.seen === undefined && /recovered [\d.]+s after the first StopTask/.test(message.message))
      this.seen = this.elb
        .send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }))
        .then((o) => o.TargetHealthDescriptions ?? []);
  }
}

describe('task-stop waits for the target group', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let elb: ElasticLoadBalancingV2Client;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast', targetGroups: { [TG]: SLOW_CHECK } });
    elb = new ElasticLoadBalancingV2Client({
      endpoint: ctx.sandbox.endpoint,
      region: ctx.sandbox.region,
      credentials: ctx.sandbox.credentials,
    });
    await createWebService(ctx.ecs, TG);
    await waitSteady(ctx.ecs, 'demo', 'web');
  });
  /** One task-stop run of one task of `web` through the library, with real SDK clients. */
  async function runTaskStop(io: RecordingIoHost, credentials = ctx.sandbox.credentials): Promise<ExperimentResult> {
    await waitWebListed(ctx.ecs);
    const spec = loadExperimentSpec({
      flags: {
        cluster: 'demo',
        service: 'web',
        region: ctx.sandbox.region,
        endpointUrl: ctx.sandbox.endpoint,
        taskCount: '1',
        duration: '1',
        interval: '1',
        leaseHeartbeat: '1',
      },
      env: {},
      fault: 'task-stop',
    });
    const ports = createAwsPorts({ region: ctx.sandbox.region, endpoint: ctx.sandbox.endpoint, credentials });
    try {
      return await runExperiment(
        spec,
        {
          ecs: ports.ecs,
          sts: ports.sts,
          iam: ports.iam,
          cloudwatch: ports.cloudwatch,
          cloudtrail: ports.cloudtrail,
          elb: ports.elb,
          io,
          clock: SYSTEM_CLOCK,
          version: 'test',
          pollIntervalMs: 25,
        },
        new AbortController().signal,
      );
    } finally {
      ports.destroy();
    }
  }
  after(async () => {
    elb.destroy();
    await ctx.sandbox.close();
  });

  test('the recovery comes once the replacement is healthy in the target group, not at RUNNING', async () => {
    const io = new WatchingIo(elb);
    const result = await runTaskStop(io);
    assert.equal(result.verdict, 'Pass', JSON.stringify(result.verdictReason));
    const preflight = io.withCode('preflight.check').find((m) => m.data?.name === 'recovery can be observed');
    assert.equal(preflight?.data?.status, 'pass');
    assert.match(preflight?.message ?? '', /healthy in target group web/);

    const iteration = result.taskStop!.iterations[0]!;
    assert.deepEqual(iteration.targetHealth, { targetGroups: [TG], checked: true });
    assert.equal(iteration.recovered, true);
    assert.equal(iteration.replacements.length, 1);
    const stopped = iteration.stopped[0]!;

    // The replacement reached RUNNING, then its target needed 10 checks 30 s apart (scaled).
    const described = (
      await ctx.ecs.send(
        new DescribeTasksCommand({ cluster: 'demo', tasks: [iteration.replacements[0]!, stopped.taskArn] }),
      )
    ).tasks!;
    const replacement = described.find((t) => t.taskArn === iteration.replacements[0]);
    const gone = described.find((t) => t.taskArn === stopped.taskArn);
    const timeToHealthy = awsDelayMs(
      ctx.sandbox.world.pace,
      SLOW_CHECK.healthyThresholdCount * SLOW_CHECK.intervalSeconds,
    );
    const recoveredAt = new Date(iteration.recoveredAt!).getTime();
    assert.ok(
      recoveredAt >= replacement!.startedAt!.getTime() + timeToHealthy,
      `recovered at ${iteration.recoveredAt}, the replacement RUNNING at ${replacement!.startedAt!.toISOString()}: its target cannot be healthy before ${timeToHealthy} ms later`,
    );
    assert.ok(iteration.recoverySeconds! * 1000 >= timeToHealthy - 50, `${iteration.recoverySeconds}s`);

    // What an independent client saw when the run said recovered.
    assert.ok(io.seen, 'the run said it recovered');
    const seen = await io.seen;
    const mine = seen.find((t) => t.Target?.Id === taskPrivateIp(replacement!) && t.Target?.Port === 8080);
    assert.equal(mine?.TargetHealth?.State, 'healthy', JSON.stringify(seen));
    const old = seen.find((t) => t.Target?.Id === taskPrivateIp(gone!));
    assert.ok(old === undefined || old.TargetHealth?.State === 'draining', JSON.stringify(old));
    assert.equal(seen.filter((t) => t.TargetHealth?.State === 'healthy').length, 2, JSON.stringify(seen));
  });

  test('a runner that may not read target health: the run says so and falls back to ECS, with a warning', async () => {
    const iam = ctx.sandbox.world.iam;
    const key = { accessKeyId: 'AKIANOTARGETS0000001', secretAccessKey: 'no-targets-secret-no-targets-secret-0001' };
    iam.createUser('no-targets');
    iam.createAccessKey('no-targets', key);
    const policy = iam.createPolicy({
      policyName: 'all-but-target-health',
      document: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          // Without simulation, preflight cannot see the missing permission: the run finds it out.
          {
            Effect: 'Deny',
            Action: ['elasticloadbalancing:DescribeTargetHealth', 'iam:SimulatePrincipalPolicy'],
            Resource: '*',
          },
        ],
      },
    });
    iam.attachUserPolicy('no-targets', policy.arn);
    const io = new RecordingIoHost();
    const result = await runTaskStop(io, key);
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const iteration = result.taskStop!.iterations[0]!;
    assert.equal(iteration.targetHealth?.checked, false);
    assert.match(iteration.targetHealth?.fallback ?? '', /AccessDenied.*elasticloadbalancing:DescribeTargetHealth/);
    assert.ok(
      result.effect.notes.some((n) => /target health not read, recovery judged from ECS alone/.test(n)),
      result.effect.notes.join('\n'),
    );
    assert.ok(io.withCode('warning').some((m) => /target health not read/.test(m.message)));
  });
});
