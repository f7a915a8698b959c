import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { loadExperimentSpec } from '../../src/config/load.js';
import { checkServiceShape, checkTagLimits, reservedTag } from '../../src/engine/preflight-shape.js';

const SERVICE: Service = {
  serviceName: 'orders',
  serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/orders',
  schedulingStrategy: 'REPLICA',
  deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
};
const TD: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:7',
  family: 'orders',
};

/** Runs a check; returns the failure's name and detail, or the recorded pass. */
function outcome(run: (record: () => void, fail: (name: string, detail: string) => never) => void): string {
  let passed = 'passed';
  try {
    run(
      () => undefined,
      (name, detail) => {
        throw new Error(`${name}: ${detail}`);
      },
    );
  } catch (error) {
    passed = (error as Error).message;
  }
  return passed;
}

describe('preflight refuses what real ECS would refuse after the change', () => {
  const shape = (svc: Service) => outcome((record, fail) => checkServiceShape(svc, record, fail));

  test('a REPLICA service with the ROLLING strategy and a long ARN passes', () => {
    assert.equal(shape(SERVICE), 'passed');
  });

  test('DAEMON services, native BLUE_GREEN/LINEAR/CANARY deployments and short ARNs are refused with the fix', () => {
    assert.match(
      shape({ ...SERVICE, schedulingStrategy: 'DAEMON' }),
      /^service is a REPLICA service: .*DAEMON.*maximumPercent above 100/,
    );
    for (const strategy of ['BLUE_GREEN', 'LINEAR', 'CANARY']) {
      const svc = { ...SERVICE, deploymentConfiguration: { ...SERVICE.deploymentConfiguration, strategy } } as Service;
      assert.match(shape(svc), new RegExp(`^deployment strategy is ROLLING: .*${strategy}`));
    }
    assert.match(
      shape({ ...SERVICE, serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/orders' }),
      /^service has a long ARN: .*Long arn format must be used for tagging operations.*serviceLongArnFormat/,
    );
  });

  test('tag limits: 50 per resource counted with the markers and the lease; values up to 256', () => {
    const spec = loadExperimentSpec({
      flags: { cluster: 'prod', service: 'orders', region: 'us-east-1', taskRole: '', affectedPercent: '25' },
      env: {},
    });
    const tags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `team-${i}`, value: 'x' }));
    const limits = (serviceTags: Tag[], tdTags: Tag[], svc = SERVICE) =>
      outcome((record, fail) => checkTagLimits(spec, svc, serviceTags, TD, tdTags, record, fail));
    assert.equal(limits(tags(40), tags(40)), 'passed');
    assert.match(
      limits(tags(44), []),
      /the service has 44 tags and the run adds 7 \(its markers and its lease\): 51 > 50\. Fix: remove at least 1/,
    );
    assert.match(limits([], tags(43)), /the chaos revision copies the original's 43 tags and adds 8 markers: 51 > 50/);
    // AWS's own tags are not copied, so they do not count.
    assert.equal(limits([], [...tags(42), { key: 'aws:cloudformation:stack-name', value: 's' }]), 'passed');
    const long = { ...SERVICE, serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/prod/${'o'.repeat(230)}` };
    assert.match(limits([], [], long), /the marker ecs-chaos:service would be 2\d\d characters \(ECS allows 256\)/);
    assert.equal(reservedTag('AWS:anything'), true);
    assert.equal(reservedTag('team'), false);
  });

  test('regions of every partition are accepted, the European Sovereign Cloud included', () => {
    for (const region of ['eusc-de-east-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1', 'us-isob-east-1']) {
      const spec = loadExperimentSpec({ flags: { cluster: 'c', service: 's', region, taskRole: '' }, env: {} });
      assert.equal(spec.region, region);
    }
    const eusc = loadExperimentSpec({
      flags: {
        cluster: 'c',
        service: 's',
        region: 'eusc-de-east-1',
        taskRole: 'arn:aws-eusc:iam::123456789012:role/r',
      },
      env: {},
    });
    assert.equal(eusc.taskRoleArn, 'arn:aws-eusc:iam::123456789012:role/r');
  });
});
