/**
 * The task-definition faults' own preflight checks, on task definitions as DescribeTaskDefinition
 * answers them: what ECS would reject is refused with the nearest valid value, what cannot matter is
 * a warning, and the execution role's needs are judged by the IAM evaluator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { loadExperimentSpec } from '../../src/config/load.js';
import type { ExperimentSpec } from '../../src/config/spec.js';
import { faultModule } from '../../src/faults/registry.js';
import type { FaultCheckContext } from '../../src/faults/types.js';
import { smallestFargateSize } from '../../src/faults/update-container-resource-limit/fargate-sizes.js';
import { deniedRequests, executionNeeds } from '../../src/faults/update-execution-role/needs.js';
import { parsePolicyDocument } from '../../src/iam/policy.js';
import type { RolePermissions } from '../../src/iam/role-permissions.js';

const WHERE = { partition: 'aws', region: 'us-east-1', accountId: '123456789012', cluster: 'prod' };
const TD: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:3',
  family: 'orders',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  containerDefinitions: [
    {
      name: 'app',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1',
      cpu: 256,
      memory: 512,
      dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/orders' } },
      secrets: [{ name: 'DB', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::' }],
    },
    { name: 'init', image: 'busybox', cpu: 128, memoryReservation: 64, essential: false },
  ],
};
const SERVICE: Service = { launchType: 'FARGATE' };

type Outcome = { checks: Array<[string, string, string]>; failed?: [string, string] };

async function check(fault: string, env: Record<string, string>, td: TaskDefinition = TD): Promise<Outcome> {
  const spec: ExperimentSpec = loadExperimentSpec({
    flags: { cluster: 'prod', service: 'orders', region: 'us-east-1' },
    env,
    fault,
  });
  const out: Outcome = { checks: [] };
  class Failed extends Error {}
  const ctx: FaultCheckContext = {
    spec,
    service: SERVICE,
    original: td,
    where: WHERE,
    record: (name, status, detail) => out.checks.push([name, status, detail]),
    fail: (name, detail) => {
      out.failed = [name, detail];
      throw new Failed(detail);
    },
  };
  const module = faultModule(spec.fault);
  try {
    await module.check(ctx, undefined);
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
  }
  return out;
}

describe('update-container-resource-limit checks', () => {
  test('container cpu above the task cpu is refused, naming the largest that fits and a Fargate size', async () => {
    const out = await check('update-container-resource-limit', { CPU_LIMIT: '512', CONTAINER_NAMES: 'app' });
    assert.equal(out.failed?.[0], 'container cpu within the task cpu');
    assert.match(out.failed[1], /CPU_LIMIT at most 384/);
    assert.match(out.failed[1], /Fargate task of cpu 1024 and memory 2048/);
  });
  test('memory not above a reservation is refused', async () => {
    const out = await check('update-container-resource-limit', { MEMORY_LIMIT: '64', CONTAINER_NAMES: 'init' });
    assert.equal(out.failed?.[0], 'memory above the reservation');
    assert.match(out.failed[1], /at least 65/);
  });
  test('an unknown container is refused naming the known ones', async () => {
    const out = await check('update-container-resource-limit', { MEMORY_LIMIT: '128', CONTAINER_NAMES: 'web' });
    assert.equal(out.failed?.[0], 'containers exist');
    assert.match(out.failed[1], /its containers: app, init/);
  });
  test('limits that fit pass with the sums', async () => {
    const out = await check('update-container-resource-limit', { MEMORY_LIMIT: '256', CONTAINER_NAMES: 'app' });
    assert.equal(out.failed, undefined);
    assert.ok(
      out.checks.some(([n, s, d]) => n === 'task-level limits' && s === 'pass' && /memory 320 of 1024/.test(d)),
    );
  });
  test('the smallest Fargate size holding a load', () => {
    assert.deepEqual(smallestFargateSize(300, 600), { cpu: 512, memory: 1024 });
    assert.deepEqual(smallestFargateSize(256, 3000), { cpu: 512, memory: 3072 });
    assert.equal(smallestFargateSize(20000, 1), undefined);
  });
});

describe('update-container-timeout checks', () => {
  test('a Fargate stopTimeout above 120 s is refused', async () => {
    const out = await check('update-container-timeout', { STOP_TIMEOUT: '121' });
    assert.equal(out.failed?.[0], 'stopTimeout within Fargate range');
  });
  test('startTimeout on a container nobody depends on is a warning naming it', async () => {
    const out = await check('update-container-timeout', { START_TIMEOUT: '10' });
    assert.equal(out.failed, undefined);
    const warn = out.checks.find(([n]) => n === 'startTimeout matters')!;
    assert.equal(warn[1], 'warn');
    assert.match(warn[2], /no container dependsOn app/);
    const onInit = await check('update-container-timeout', { START_TIMEOUT: '10', CONTAINER_NAMES: 'init' });
    assert.equal(onInit.checks.find(([n]) => n === 'startTimeout matters')![1], 'pass');
  });
});

describe('update-execution-role', () => {
  test('removing the role of a task with secrets is refused (ECS rejects it)', async () => {
    const out = await check('update-execution-role', { EXECUTION_ROLE: '' });
    assert.equal(out.failed?.[0], 'ECS accepts the chaos revision');
    assert.match(out.failed[1], /secret DB of app/);
  });
  test('the needs of a task definition, and which a role denies', () => {
    const needs = executionNeeds(TD, WHERE);
    assert.deepEqual(
      needs.map((n) => n.kind),
      ['image pull', 'log delivery', 'secrets'],
    );
    assert.equal(needs[2]!.requests[0]!.resource, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf');
    const doc = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ecr:*', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
      }),
      'identity',
    );
    assert.ok(doc.ok);
    const role = {
      roleName: 'chaos',
      roleArn: 'arn:aws:iam::123456789012:role/chaos',
      trustPolicyText: '',
      trustPolicy: undefined,
      inline: [{ id: 'inline:p', name: 'p', kind: 'inline', text: '', document: doc.document }],
      managed: [],
    } as RolePermissions;
    assert.deepEqual(deniedRequests(needs[0]!, role), []);
    assert.deepEqual(deniedRequests(needs[1]!, role), []);
    assert.match(deniedRequests(needs[2]!, role)[0]!, /^secretsmanager:GetSecretValue on /);
    assert.equal(deniedRequests(needs[0]!, null).length, 3);
  });
});
