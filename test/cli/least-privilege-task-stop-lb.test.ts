/**
 * The least-privilege round trip of task-stop on a load-balanced service: `ecs-chaos policy --fault
 * task-stop` for it adds `elasticloadbalancing:DescribeTargetHealth` on `*`, a principal with
 * exactly that policy runs the fault and its recovery reads target health; without that action,
 * preflight refuses with exit 2 naming it and stops no task. For a service without target groups
 * the policy leaves it out.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExperimentResult } from '../../src/report/result.js';
import { createRunner, type PolicyDoc, type Runner, withoutAction } from '../support/runner.js';
import { runCli } from '../support/cli.js';
import { createWebService, waitWebListed, withSandbox } from '../support/sandbox.js';

const RUNNER_KEY = { accessKeyId: 'AKIARUNNERLB00000004', secretAccessKey: 'runner-lb-secret-runner-lb-secret-run4' };
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const ACTION = 'elasticloadbalancing:DescribeTargetHealth';

describe('least privilege of task-stop on a load-balanced service', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let adminEnv: NodeJS.ProcessEnv;
  let runnerEnv: NodeJS.ProcessEnv;
  let dir: string;
  let grant: Runner['grant'];
  before(async () => {
    ctx = await withSandbox({
      scenario: 'demo',
      pace: 'fast',
      targetGroups: { [TG]: { healthyThresholdCount: 3, intervalSeconds: 30, deregistrationDelaySeconds: 30 } },
    });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-task-stop-lb-'));
    ({ adminEnv, runnerEnv, grant } = createRunner(ctx.sandbox, {
      key: RUNNER_KEY,
      policyPrefix: 'ecs-chaos-task-stop-lb',
    }));
    await createWebService(ctx.ecs, TG);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  /** Steady, and (with eventual consistency on) ListTasks showing both tasks, as preflight needs. */
  const steady = (): Promise<void> => waitWebListed(ctx.ecs);

  const policyFor = async (service: string): Promise<PolicyDoc> => {
    const target = ['--cluster', 'demo', '--service', service, '--region', 'us-east-1'];
    const printed = await runCli(['policy', '--fault', 'task-stop', ...target], { env: adminEnv });
    assert.equal(printed.code, 0, printed.stderr);
    return JSON.parse(printed.stdout) as PolicyDoc;
  };

  test('the policy of a service without target groups leaves DescribeTargetHealth out', async () => {
    const policy = await policyFor('orders');
    assert.ok(!policy.Statement.some((s) => s.Action.includes(ACTION)));
  });

  test('the printed policy runs task-stop reading target health; without it, exit 2 and no task stopped', async () => {
    const policy = await policyFor('web');
    const read = policy.Statement.find((s) => s.Action.includes(ACTION));
    assert.deepEqual(read && { Sid: read.Sid, Resource: read.Resource }, { Sid: 'ReadTargetHealth', Resource: ['*'] });

    const resultFile = join(dir, 'result.json');
    const run = (): ReturnType<typeof runCli> =>
      runCli(
        [
          ...['run', 'task-stop', '--cluster', 'demo', '--service', 'web', '--region', 'us-east-1'],
          ...['--task-count', '1', '--duration', '1', '--result-file', resultFile],
        ],
        { env: runnerEnv, timeoutMs: 120_000 },
      );
    grant(policy);
    await steady();
    const ok = await run();
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.deepEqual(result.taskStop?.iterations[0]?.targetHealth, { targetGroups: [TG], checked: true });
    assert.match(ok.stdout, /target health checked: healthy in web/);

    grant(withoutAction(policy, ACTION));
    await steady();
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const refused = await run();
    assert.equal(refused.code, 2, `exit ${refused.code}\n${refused.stderr}`);
    assert.ok(refused.stderr.includes(ACTION), refused.stderr);
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.action === 'StopTask'),
      [],
      'no task stopped',
    );
  });
});
