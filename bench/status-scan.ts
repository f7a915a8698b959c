/**
 * The cost of `status` (and of `recover`'s inspection) on a cluster of N services sharing one task
 * definition family of M revisions: AWS calls by action and wall time. Prints figures; asserts
 * nothing.
 *
 *   node --import tsx bench/status-scan.ts            (N=300, M=121, no added latency)
 *   BENCH_SERVICES=50 BENCH_REVISIONS=500 BENCH_LATENCY_MS=20 node --import tsx bench/status-scan.ts
 */
import {
  CreateServiceCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { startSandbox } from '../sandbox/index.js';
import { createAwsPorts } from '../src/aws/sdk.js';
import { inspectCluster } from '../src/engine/inspect.js';
import { chaosTaskDefinitionInput } from '../src/faults/update-task-role/chaos-task-definition.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 300);
const REVISIONS = Number(process.env.BENCH_REVISIONS ?? 121);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 0);

async function main(): Promise<void> {
  const sandbox = await startSandbox({ scenario: 'demo', pace: 'fast' });
  const ecs = new ECSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.credentials });
  try {
    const first = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' }))).taskDefinition!;
    // The family's revisions: CI builds (orders:1 is the first).
    for (let i = 1; i < REVISIONS; i++) {
      const input = chaosTaskDefinitionInput(first, { taskRoleArn: first.taskRoleArn ?? null, tags: [] });
      input.containerDefinitions = input.containerDefinitions!.map((c) => ({ ...c, image: `orders:build-${i}` }));
      await ecs.send(new RegisterTaskDefinitionCommand(input));
    }
    // N services on the family (no tasks: the scan is the point), counting the demo's own.
    for (let i = 0; i < SERVICES - 1; i++) {
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'demo',
          serviceName: `svc-${i}`,
          taskDefinition: 'orders:1',
          desiredCount: 0,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        }),
      );
    }
    if (LATENCY_MS > 0) sandbox.world.interceptors.push(() => new Promise((r) => setTimeout(r, LATENCY_MS)));
    const ports = createAwsPorts({
      region: sandbox.region,
      endpoint: sandbox.endpoint,
      credentials: sandbox.credentials,
    });
    const since = sandbox.requests().at(-1)!.seq;
    const start = performance.now();
    // With IAM, as the CLI's status: the faults' leftovers outside ECS (a Deny on a task role) too.
    const found = await inspectCluster(
      ports.ecs,
      { cluster: 'demo', region: sandbox.region },
      new Date(),
      undefined,
      ports.iam,
    );
    const ms = performance.now() - start;
    ports.destroy();
    const byAction = new Map<string, number>();
    for (const r of sandbox.requests(since)) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
    const total = [...byAction.values()].reduce((a, b) => a + b, 0);
    console.log(
      `status on ${found.services.length} services (the demo's others included) sharing a family of ${REVISIONS} revisions, ${LATENCY_MS} ms added per call:`,
    );
    console.log(`  ${total} AWS calls in ${(ms / 1000).toFixed(1)} s`);
    for (const [action, n] of [...byAction].sort((a, b) => b[1] - a[1])) console.log(`    ${action}: ${n}`);
    if ((found.truncated ?? []).length > 0) console.log(`  truncated: ${found.truncated.join('; ')}`);
  } finally {
    ecs.destroy();
    await sandbox.close();
  }
}

await main();
