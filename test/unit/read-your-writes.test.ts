/** DescribeServices never older than the port's own writes: stale answers are read again. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DescribeServicesCommandOutput, Service } from '@aws-sdk/client-ecs';
import type { EcsPort } from '../../src/aws/ports.js';
import { readYourWrites, REREAD_WAITS_MS } from '../../src/aws/read-your-writes.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:service/demo/orders';
const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const before: Service = {
  serviceArn: ARN,
  status: 'ACTIVE',
  taskDefinition: 'td:1',
  deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'td:1', createdAt: at(0) }],
};
const after: Service = {
  serviceArn: ARN,
  status: 'ACTIVE',
  taskDefinition: 'td:2',
  deployments: [
    { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: 'td:2', createdAt: at(10) },
    { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: 'td:1', createdAt: at(0) },
  ],
};

function fakeEcs(reads: Service[]): EcsPort & { describes: number } {
  const port = {
    describes: 0,
    updateService: async () => ({ service: after, $metadata: {} }),
    describeServices: async (): Promise<DescribeServicesCommandOutput> => {
      const service = reads[Math.min(port.describes, reads.length - 1)]!;
      port.describes++;
      return { services: [service], $metadata: {} };
    },
  };
  return port as unknown as EcsPort & { describes: number };
}

describe('read-your-writes', () => {
  test('a read older than the UpdateService answer is read again until it shows the write', async () => {
    const ecs = fakeEcs([before, before, after]);
    const waits: number[] = [];
    const port = readYourWrites(ecs, { sleep: async (ms) => void waits.push(ms) });
    await port.updateService({ service: 'orders' });
    const out = await port.describeServices({ services: ['orders'] });
    assert.equal(out.services![0]!.taskDefinition, 'td:2');
    assert.equal(ecs.describes, 3);
    assert.deepEqual(waits, [200, 400]);
  });

  test('a newer change by someone else is not stale: passed on at once', async () => {
    const theirs: Service = {
      serviceArn: ARN,
      status: 'ACTIVE',
      taskDefinition: 'td:9',
      deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: 'td:9', createdAt: at(20) }],
    };
    const ecs = fakeEcs([theirs]);
    const port = readYourWrites(ecs, { sleep: async () => undefined });
    await port.updateService({ service: 'orders' });
    assert.equal((await port.describeServices({ services: ['orders'] })).services![0]!.taskDefinition, 'td:9');
    assert.equal(ecs.describes, 1);
  });

  test('a service being deleted is passed on at once', async () => {
    const ecs = fakeEcs([{ ...before, status: 'DRAINING', deployments: [] }]);
    const port = readYourWrites(ecs, { sleep: async () => undefined });
    await port.updateService({ service: 'orders' });
    await port.describeServices({ services: ['orders'] });
    assert.equal(ecs.describes, 1);
  });

  test('a read that stays stale is passed on after the last wait; without a write nothing is re-read', async () => {
    const ecs = fakeEcs([before]);
    const port = readYourWrites(ecs, { sleep: async () => undefined });
    await port.describeServices({ services: ['orders'] });
    assert.equal(ecs.describes, 1);
    await port.updateService({ service: 'orders' });
    const out = await port.describeServices({ services: ['orders'] });
    assert.equal(out.services![0]!.taskDefinition, 'td:1');
    assert.equal(ecs.describes, 2 + REREAD_WAITS_MS.length);
  });
});
