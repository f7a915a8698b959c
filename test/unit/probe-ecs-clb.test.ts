/**
 * The `ecs` probe's rolloutState behind a Classic Load Balancer: ECS returns no rolloutState for a
 * service using a CLB (botocore's ecs service-2.json, Deployment.rolloutState), so the probe checks
 * the equivalent condition ECS does show (one PRIMARY deployment, running = desired) and says so.
 * The answers below are DescribeServices answers as ECS gives them for such a service.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { judgeEcs, noRolloutStateReason } from '../../src/probes/ecs.js';
import type { EcsProbeSpec } from '../../src/probes/types.js';
import { DEFAULT_RUN_PROPERTIES } from '../../src/probes/parse.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:';
const facts = { originalTaskDefinitionArn: `${TD}7`, chaosTaskDefinitionArns: [`${TD}8`] };

function probe(rolloutState: EcsProbeSpec['rolloutState']): EcsProbeSpec {
  return { name: 'p', type: 'ecs', mode: 'EOT', runProperties: DEFAULT_RUN_PROPERTIES, rolloutState } as EcsProbeSpec;
}

function service(deployments: Deployment[], running: number, withClb = true): Service {
  return {
    serviceName: 'orders',
    status: 'ACTIVE',
    desiredCount: 4,
    runningCount: running,
    deploymentController: { type: 'ECS' },
    loadBalancers: withClb ? [{ loadBalancerName: 'orders-clb', containerName: 'app', containerPort: 8080 }] : [],
    deployments,
  };
}

const primary = (running: number, rev = 7): Deployment => ({
  id: 'ecs-svc/1',
  status: 'PRIMARY',
  taskDefinition: `${TD}${rev}`,
  desiredCount: 4,
  runningCount: running,
});

describe('ecs probe: rolloutState where ECS sets none', () => {
  test('behind a CLB, a settled service passes rolloutState COMPLETED by the equivalent condition, and says so', () => {
    const svc = service([primary(4)], 4);
    assert.equal(noRolloutStateReason(svc), 'behind the Classic Load Balancer orders-clb');
    const seen = judgeEcs(probe('COMPLETED'), svc, facts);
    assert.equal(seen.passed, true, seen.evidence);
    assert.match(
      seen.expected,
      /rolloutState COMPLETED \(ECS sets no rolloutState for a service behind the Classic Load Balancer orders-clb: checked as one PRIMARY deployment with running = desired\)/,
    );
  });

  test('behind a CLB, a rollout under way fails COMPLETED and passes IN_PROGRESS', () => {
    const rolling = service([primary(2, 8), { ...primary(4), id: 'ecs-svc/0', status: 'ACTIVE' }], 6);
    const completed = judgeEcs(probe('COMPLETED'), rolling, facts);
    assert.equal(completed.passed, false);
    assert.match(completed.evidence, /but the rollout is not settled/);
    assert.equal(judgeEcs(probe('IN_PROGRESS'), rolling, facts).passed, true);
  });

  test('behind a CLB, FAILED cannot be seen: the probe fails and says why', () => {
    const seen = judgeEcs(probe('FAILED'), service([primary(4)], 4), facts);
    assert.equal(seen.passed, false);
    assert.match(seen.evidence, /a FAILED rollout cannot be seen for a service behind the Classic Load Balancer/);
  });

  test('a CODE_DEPLOY service: named as the reason', () => {
    const svc = { ...service([primary(4)], 4, false), deploymentController: { type: 'CODE_DEPLOY' as const } };
    assert.equal(noRolloutStateReason(svc), 'deployed by the CODE_DEPLOY controller');
    assert.equal(judgeEcs(probe('COMPLETED'), svc, facts).passed, true);
  });

  test('a rolling service behind an ALB still reads rolloutState itself', () => {
    const svc = service([{ ...primary(4), rolloutState: 'IN_PROGRESS' }], 4, false);
    assert.equal(noRolloutStateReason(svc), undefined);
    const seen = judgeEcs(probe('COMPLETED'), svc, facts);
    assert.equal(seen.passed, false);
    assert.match(seen.evidence, /rolloutState is IN_PROGRESS/);
    // Without rolloutState and no reason for its absence, the probe does not guess.
    assert.equal(judgeEcs(probe('COMPLETED'), service([primary(4)], 4, false), facts).passed, false);
  });
});
