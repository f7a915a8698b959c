/**
 * The prometheus probe against a real Prometheus server (Debian's package) scraping the sandbox's
 * orders app every second: instant queries, their one value compared, and the answers it refuses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { createAwsPorts } from '../../src/aws/sdk.js';
import type { ProbeContext } from '../../src/probes/context.js';
import { observePrometheus } from '../../src/probes/prometheus.js';
import type { Comparator, PrometheusProbeSpec } from '../../src/probes/types.js';
import { stringify } from 'yaml';
import type { Sandbox } from '../../sandbox/index.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { runFault } from '../support/experiment.js';
import { waitFor, waitSteady, withSandbox, type Clients } from '../support/sandbox.js';

const ORDERS_REQUESTS = 'sum by (service) (ecs_chaos_app_requests_total{service="orders"})';
const ORDERS_ERRORS = 'sum(ecs_chaos_app_errors_total{service="orders"})';

describe('the prometheus probe against a real Prometheus scraping the sandbox', () => {
  let sandbox: Sandbox;
  let clients: Clients;
  let prometheus: RunningPrometheus | undefined;
  let ports: ReturnType<typeof createAwsPorts>;

  const spec = (
    query: string,
    comparator: Comparator & { type: 'number' },
    endpoint = prometheus!.url,
  ): PrometheusProbeSpec => ({
    type: 'prometheus',
    name: 'p',
    mode: 'Edge',
    runProperties: {
      timeoutSeconds: 10,
      intervalSeconds: 2,
      pollingIntervalSeconds: 2,
      attempts: 1,
      initialDelaySeconds: 0,
      stopOnFailure: false,
    },
    endpoint,
    query,
    comparator,
  });

  const context = (): ProbeContext => {
    const startedAt = new Date();
    return {
      signal: AbortSignal.timeout(10_000),
      now: () => new Date(),
      facts: {
        experimentId: 'test',
        cluster: 'demo',
        service: 'orders',
        region: sandbox.region,
        chaosRoleArn: null,
        originalRoleArn: null,
        originalTaskDefinitionArn: undefined,
        chaosTaskDefinitionArns: [],
        startedAt,
        chaosStartedAt: undefined,
        chaosEndedAt: undefined,
      },
      window: () => ({ start: startedAt, end: new Date() }),
      ecs: ports.ecs,
      cloudwatch: ports.cloudwatch,
      cloudtrail: ports.cloudtrail,
      env: {},
    };
  };

  before(async () => {
    ({ sandbox, ...clients } = await withSandbox({ scenario: 'demo', pace: 'fast' }));
    ports = createAwsPorts({ region: sandbox.region, endpoint: sandbox.endpoint, credentials: sandbox.credentials });
    prometheus = await startPrometheus({
      targets: [{ job: 'orders', url: `${sandbox.endpoint}/_sandbox/workload/demo/orders/metrics` }],
      scrapeIntervalSeconds: 1,
    });
    // The first scrape is in: the orders app's request counters are queryable.
    await waitFor(
      'ecs_chaos_app_requests_total in Prometheus',
      async () => {
        const res = await fetch(
          `${prometheus!.url}/api/v1/query?query=${encodeURIComponent('ecs_chaos_app_requests_total')}`,
        );
        const body = (await res.json()) as { data?: { result?: unknown[] } };
        return (body.data?.result?.length ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 15_000, everyMs: 200 },
    );
  });

  after(async () => {
    await prometheus?.stop();
    ports?.destroy();
    await sandbox?.close();
  });

  test('a one-series vector passes its comparison, with the value and the series labels as evidence', async () => {
    const obs = await observePrometheus(spec(ORDERS_REQUESTS, { type: 'number', criteria: '>', value: 0 }), context());
    assert.equal(obs.passed, true, obs.evidence);
    assert.equal(typeof obs.actual, 'number');
    assert.ok((obs.actual as number) > 0);
    assert.equal(obs.expected, `${ORDERS_REQUESTS} > 0`);
    assert.equal(
      obs.evidence,
      `prometheus ${prometheus!.url}: ${ORDERS_REQUESTS} = ${obs.actual} (vector, 1 series {service="orders"})`,
    );
  });

  test('a value that does not satisfy the comparator fails the evaluation without an error', async () => {
    const obs = await observePrometheus(spec(ORDERS_REQUESTS, { type: 'number', criteria: '<', value: 0 }), context());
    assert.equal(obs.passed, false);
    assert.ok((obs.actual as number) > 0);
    assert.equal(obs.expected, `${ORDERS_REQUESTS} < 0`);
  });

  test('a scalar is compared, and a gauge of one series names its metric and labels', async () => {
    const scalar = await observePrometheus(
      spec('scalar(sum(ecs_chaos_app_tasks_running{service="orders"}))', { type: 'number', criteria: '==', value: 4 }),
      context(),
    );
    assert.equal(scalar.passed, true, scalar.evidence);
    assert.equal(scalar.actual, 4);
    assert.match(scalar.evidence, / = 4 \(scalar\)$/);

    const gauge = await observePrometheus(
      spec('ecs_chaos_app_tasks_running{service="orders"}', { type: 'number', criteria: 'between', value: [1, 4] }),
      context(),
    );
    assert.equal(gauge.passed, true, gauge.evidence);
    assert.match(
      gauge.evidence,
      / = 4 \(vector, 1 series ecs_chaos_app_tasks_running\{instance="127\.0\.0\.1:\d+",job="orders",service="orders",task_definition="orders:1"\}\)$/,
    );
  });

  test('NaN fails every comparison and +Inf compares as a number', async () => {
    const nan = await observePrometheus(spec('0 / 0', { type: 'number', criteria: '!=', value: 0 }), context());
    assert.equal(nan.passed, false);
    assert.equal(nan.actual, 'NaN');
    assert.match(nan.evidence, / = NaN \(scalar\)$/);

    const inf = await observePrometheus(spec('1 / 0', { type: 'number', criteria: '>', value: 1e300 }), context());
    assert.equal(inf.passed, true);
    assert.equal(inf.actual, '+Inf');
  });

  test('an empty result is an error that suggests `or vector(0)`, which then reads as 0', async () => {
    const empty = 'sum(ecs_chaos_app_requests_total{service="no-such-service"})';
    await assert.rejects(
      observePrometheus(spec(empty, { type: 'number', criteria: '==', value: 0 }), context()),
      (err: Error) => {
        assert.match(err.message, /returned no series/);
        assert.match(err.message, /or vector\(0\)/);
        assert.ok(err.message.includes(empty), err.message);
        return true;
      },
    );
    const obs = await observePrometheus(
      spec(`${empty} or vector(0)`, { type: 'number', criteria: '==', value: 0 }),
      context(),
    );
    assert.equal(obs.passed, true, obs.evidence);
    assert.equal(obs.actual, 0);
  });

  test('several series are an error naming their count and suggesting an aggregation', async () => {
    await assert.rejects(
      observePrometheus(
        spec('ecs_chaos_app_requests_total{service="orders"}', { type: 'number', criteria: '>', value: 0 }),
        context(),
      ),
      (err: Error) => {
        assert.match(err.message, /returned 3 series/);
        assert.match(err.message, /action="ssm:GetParameter"/);
        assert.match(err.message, /action="s3:PutObject"/);
        assert.match(err.message, /action="dynamodb:PutItem"/);
        assert.match(err.message, /sum\(\.\.\.\)/);
        return true;
      },
    );
  });

  test('a range query (matrix) is an error asking for an instant scalar or one-series vector', async () => {
    await assert.rejects(
      observePrometheus(
        spec('ecs_chaos_app_tasks_running{service="orders"}[1m]', { type: 'number', criteria: '>', value: 0 }),
        context(),
      ),
      /returned a matrix; the probe needs an instant query whose result is a scalar or a vector of one series/,
    );
  });

  test("invalid PromQL is an error carrying Prometheus's own error", async () => {
    await assert.rejects(
      observePrometheus(
        spec('sum(ecs_chaos_app_requests_total', { type: 'number', criteria: '>', value: 0 }),
        context(),
      ),
      /failed \(HTTP 400, bad_data\): invalid parameter "query": .*parse error/,
    );
  });

  test('an endpoint that is not the Prometheus API is an error with the HTTP status and the body', async () => {
    await assert.rejects(
      observePrometheus(
        spec('up', { type: 'number', criteria: '==', value: 1 }, `${prometheus!.url}/no-such-prefix`),
        context(),
      ),
      /HTTP 404 for the query up: 404 page not found/,
    );
  });

  test('in a run: no app errors before the chaos (SOT), errors counted after it (EOT), read through Prometheus', async () => {
    await waitSteady(clients.ecs, 'demo', 'orders');
    const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-prometheus-run-'));
    const file = join(dir, 'experiment.yaml');
    writeFileSync(
      file,
      stringify({
        probes: [
          {
            name: 'no-errors-before',
            type: 'prometheus',
            mode: 'SOT',
            prometheus: { endpoint: prometheus!.url, query: `${ORDERS_ERRORS} or vector(0)`, comparator: '== 0' },
          },
          {
            name: 'errors-after',
            type: 'prometheus',
            mode: 'EOT',
            prometheus: { endpoint: prometheus!.url, query: `${ORDERS_ERRORS} or vector(0)`, comparator: '> 0' },
            // Prometheus scrapes every second: the last errors of the chaos arrive a moment later.
            runProperties: { attempts: 10, interval: '1s' },
          },
        ],
      }),
    );
    try {
      const { result } = await runFault(
        sandbox,
        {
          cluster: 'demo',
          service: 'orders',
          taskRole: 'arn:aws:iam::123456789012:role/orders-chaos-role',
          duration: '3',
          interval: '3',
        },
        { file },
      );
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      const [before, after] = result.probes;
      assert.deepEqual(
        [before!.status, before!.evaluations[0]!.phase, before!.evaluations[0]!.actual],
        ['Passed', 'pre-chaos', 0],
      );
      assert.equal(after!.status, 'Passed');
      assert.equal(after!.evaluations[0]!.phase, 'post-chaos');
      assert.ok(Number(after!.evaluations[0]!.actual) > 0);
      assert.match(
        after!.evaluations[0]!.evidence,
        /^prometheus http:\/\/127\.0\.0\.1:\d+: sum\(ecs_chaos_app_errors_total/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors of the orders app show through Prometheus once its tasks run under a role that may not write S3', async () => {
    // The run of the test before made errors already: this one counts from where they are.
    const baseline = Number(
      (
        await observePrometheus(
          spec(`${ORDERS_ERRORS} or vector(0)`, { type: 'number', criteria: '>=', value: 0 }),
          context(),
        )
      ).actual,
    );
    await waitSteady(clients.ecs, 'demo', 'orders');

    const original = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
      .taskDefinition!;
    const chaos = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'orders',
        taskRoleArn: 'arn:aws:iam::123456789012:role/orders-chaos-role',
        executionRoleArn: original.executionRoleArn,
        networkMode: original.networkMode,
        requiresCompatibilities: original.requiresCompatibilities,
        cpu: original.cpu,
        memory: original.memory,
        containerDefinitions: original.containerDefinitions,
      }),
    );
    await clients.ecs.send(
      new UpdateServiceCommand({
        cluster: 'demo',
        service: 'orders',
        taskDefinition: chaos.taskDefinition!.taskDefinitionArn!,
      }),
    );

    const errors = spec(`${ORDERS_ERRORS} or vector(0)`, { type: 'number', criteria: '>', value: baseline });
    const seen = await waitFor(
      'errors of the orders app in Prometheus',
      async () => {
        const obs = await observePrometheus(errors, context());
        return obs.passed ? obs : undefined;
      },
      { timeoutMs: 20_000, everyMs: 250 },
    );
    assert.ok((seen.actual as number) > baseline);
    assert.match(seen.evidence, / = \d+ \(vector, 1 series \{\}\)$/);

    const denied = await observePrometheus(
      spec('sum by (code) (ecs_chaos_app_errors_total{service="orders",action="s3:PutObject"})', {
        type: 'number',
        criteria: '>',
        value: 0,
      }),
      context(),
    );
    assert.equal(denied.passed, true, denied.evidence);
    assert.match(denied.evidence, /\(vector, 1 series \{code="AccessDenied"\}\)$/);
  });
});
