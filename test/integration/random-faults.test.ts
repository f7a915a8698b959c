/**
 * The randomized fault run: at least 200 experiments against a sandbox that throttles, fails,
 * drops and hangs AWS calls at random (seeded; the seed is printed for a replay with
 * RANDOM_FAULTS_SEED). Each experiment must end passed, or restored, with zero residue, checked from
 * the sandbox's own state rather than from the result.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateServiceCommand } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { roleArn, runFault } from '../support/experiment.js';
import { chaosLeft, prng, revisionOf } from '../support/random-run.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const WORKERS = Number(process.env.RANDOM_FAULTS_WORKERS ?? 8);
const PER_WORKER = Number(process.env.RANDOM_FAULTS_PER_WORKER ?? 25);
const SEED = Number(process.env.RANDOM_FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 32));
const MUTATIONS = [
  'RegisterTaskDefinition',
  'DeregisterTaskDefinition',
  'UpdateService',
  'CreateService',
  'DeleteService',
  'TagResource',
  'UntagResource',
];

describe(`randomized AWS faults (seed ${SEED})`, () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    for (let w = 1; w <= WORKERS; w++) {
      await ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'demo',
          serviceName: `svc-${w}`,
          taskDefinition: 'orders:1',
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        }),
      );
    }
    for (let w = 1; w <= WORKERS; w++) await waitSteady(ctx.ecs, 'demo', `svc-${w}`);
  });
  after(() => ctx.sandbox.close());

  test(`${WORKERS * PER_WORKER} experiments under random faults each end passed or restored, with zero residue`, async () => {
    const faults = ctx.sandbox.world.faults;
    faults.addAll([
      { service: 'ecs', action: '*', kind: 'throttle', probability: 0.04 },
      { service: 'ecs', action: '*', kind: 'error500', probability: 0.02 },
      { service: 'ecs', action: '*', kind: 'error503', probability: 0.02 },
      { service: 'ecs', action: '*', kind: 'drop', probability: 0.015 },
      { service: 'ecs', action: '*', kind: 'latency', latencyMs: 40, probability: 0.05 },
      { service: 'ecs', action: '*', kind: 'hang', hangMs: 1500, probability: 0.004 },
      ...MUTATIONS.map((action) => ({
        service: 'ecs',
        action,
        kind: 'drop' as const,
        when: 'after' as const,
        probability: 0.04,
      })),
      { service: 'iam', action: '*', kind: 'throttle', probability: 0.05 },
    ]);
    // The sandbox's randomness is seeded by the injector; re-seed it from this test's seed.
    const random = prng(SEED);
    const outcomes = { pass: 0, restoredAfterError: 0, restoredAfterFail: 0, refusedBeforeAnyChange: 0 };
    const failures: string[] = [];
    const region = ctx.sandbox.world.ecs.region('us-east-1');

    /** The service as the sandbox holds it: no faults, no SDK. */
    const residueOf = (service: string, result: ExperimentResult): string[] => {
      const cluster = region.cluster('demo');
      const svc = cluster.services.get(service)!;
      const problems: string[] = [];
      if (!svc.taskDefinition.endsWith(':task-definition/orders:1')) problems.push(`runs ${svc.taskDefinition}`);
      if (
        svc.deploymentConfiguration.maximumPercent !== 200 ||
        svc.deploymentConfiguration.minimumHealthyPercent !== 100
      ) {
        problems.push(`deployment configuration ${JSON.stringify(svc.deploymentConfiguration)}`);
      }
      const left = chaosLeft(region, { cluster: 'demo', service, family: 'orders', experimentId: result.experimentId });
      if (left.markers.length > 0) problems.push(`markers ${left.markers.join(',')}`);
      if (left.activeChaosRevisions.length > 0)
        problems.push(`ACTIVE chaos revisions ${left.activeChaosRevisions.map(revisionOf).join(',')}`);
      if (left.siblings.length > 0) problems.push(`sibling services ${left.siblings.join(',')}`);
      if (left.chaosTasksUp.length > 0) problems.push(`chaos tasks still up ${left.chaosTasksUp.join(',')}`);
      if (left.leases.length > 0) problems.push(`leases ${left.leases.join(',')}`);
      if (!result.residue.clean) problems.push(`the result reports residue ${JSON.stringify(result.residue.items)}`);
      return problems;
    };

    const worker = async (w: number): Promise<void> => {
      const service = `svc-${w}`;
      for (let i = 0; i < PER_WORKER; i++) {
        await waitSteady(ctx.ecs, 'demo', service, 30_000).catch(() => undefined);
        const flags = {
          cluster: 'demo',
          service,
          taskRole: random() < 0.8 ? roleArn('orders-chaos-role') : '',
          // At least 50%: with 2 tasks a smaller share leaves ECS no room (preflight refuses it).
          // 50% is exact mode (a sibling of 2 tasks), above it rolling mode.
          affectedPercent: String(50 + Math.floor(random() * 51)),
          rolloutTimeout: '30',
          restoreTimeout: '60',
          duration: random() < 0.8 ? '1' : '2',
          interval: '1',
          force: true,
        };
        const { result } = await runFault(ctx.sandbox, flags, {
          pollIntervalMs: 50,
          // A small retry budget makes some runs fail mid-way: those must restore all the same.
          ports: {
            requestTimeoutMs: 600,
            retry: { maxAttempts: 2 + Math.floor(random() * 5), baseDelayMs: 20, maxDelayMs: 300 },
          },
        }).catch((error: unknown) => {
          // Preflight may give up on a flaky API before any change: that is a refusal, not residue.
          return { result: undefined as ExperimentResult | undefined, error };
        });
        if (!result) {
          outcomes.refusedBeforeAnyChange++;
          continue;
        }
        const problems = residueOf(service, result);
        if (problems.length > 0)
          failures.push(`${service} #${i + 1} ${result.verdict} (${result.verdictReason}): ${problems.join('; ')}`);
        else if (result.verdict === 'Pass') outcomes.pass++;
        else if (result.verdict === 'Error') outcomes.restoredAfterError++;
        else outcomes.restoredAfterFail++;
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w + 1)));
    const stats = faults.stats();
    faults.clear();
    const total =
      outcomes.pass +
      outcomes.restoredAfterError +
      outcomes.restoredAfterFail +
      outcomes.refusedBeforeAnyChange +
      failures.length;
    console.log(
      `random faults (seed ${SEED}): ${total} experiments: ${outcomes.pass} passed, ${outcomes.restoredAfterError} restored after an error, ` +
        `${outcomes.restoredAfterFail} restored after a failed verdict, ${outcomes.refusedBeforeAnyChange} refused by preflight ` +
        `(an AWS read failed before any change), ${failures.length} with residue; ` +
        `${stats.injected} faults injected in ${stats.calls} AWS calls (${JSON.stringify(stats.byKind)})`,
    );
    assert.equal(total, WORKERS * PER_WORKER);
    assert.deepEqual(failures, [], `replay with RANDOM_FAULTS_SEED=${SEED}`);
    assert.ok(stats.injected > 100, 'faults were really injected');
  });
});
