/**
 * The runner permission check's pieces: the cause of a failed simulation in words, and the condition
 * keys each call is simulated with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulationFailure } from '../../src/engine/preflight-iam.js';
import { requiredPermissions } from '../../src/iam/runner-policy.js';
import { simulationRequests } from '../../src/iam/simulation-context.js';

const PRINCIPAL = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_1';
const error = (name: string, message = 'm'): Error => Object.assign(new Error(message), { name });

describe('simulationFailure: the real cause', () => {
  test('names access, entity, throttling, input and other errors apart', () => {
    assert.match(
      simulationFailure(error('AccessDenied'), PRINCIPAL),
      /may not call iam:SimulatePrincipalPolicy on arn/,
    );
    assert.match(simulationFailure(error('NoSuchEntityException'), PRINCIPAL), /IAM has no principal .*path/);
    assert.match(simulationFailure(error('Throttling', 'Rate exceeded'), PRINCIPAL), /throttled the simulation/);
    assert.match(
      simulationFailure(error('InvalidInputException', 'bad arn.'), PRINCIPAL),
      /refused the simulation's input \(bad arn\); please report it/,
    );
    assert.equal(simulationFailure(error('ServiceFailure', 'boom'), PRINCIPAL), 'ServiceFailure: boom');
  });
});

describe('simulationRequests: the context of each call', () => {
  const permissions = requiredPermissions({
    region: 'us-east-1',
    accountId: '123456789012',
    cluster: 'demo',
    service: 'orders',
    family: 'orders',
  });
  const requests = simulationRequests(permissions, {
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
    serviceTags: [{ key: 'team', value: 'payments' }],
    chaosTaskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:8',
    revisionTags: [{ key: 'ecs-chaos:fault', value: 'update-task-role' }],
    serviceMarkers: [{ key: 'ecs-chaos:under-chaos', value: 'x' }],
    lease: [{ key: 'ecs-chaos:lease:x', value: 'y' }],
    siblingTags: [{ key: 'ecs-chaos:sibling-of', value: 'z' }],
  });
  const keysOf = (action: string, what?: string): Record<string, string[]> => {
    const r = requests.find((q) => q.permissions.some((p) => p.action === action) && q.what === what);
    assert.ok(r, `${action} ${what ?? ''}`);
    return Object.fromEntries(r.context.map((e) => [e.ContextKeyName, e.ContextKeyValues]));
  };

  test('service calls carry ecs:cluster and the service tags; UpdateService the chaos revision', () => {
    const update = keysOf('ecs:UpdateService');
    assert.deepEqual(update['ecs:cluster'], ['arn:aws:ecs:us-east-1:123456789012:cluster/demo']);
    assert.deepEqual(update['aws:ResourceTag/team'], ['payments']);
    assert.deepEqual(update['ecs:task-definition'], ['arn:aws:ecs:us-east-1:123456789012:task-definition/orders:8']);
  });

  test('tag writes carry aws:RequestTag and aws:TagKeys; tags on create also ecs:CreateAction', () => {
    const register = keysOf('ecs:RegisterTaskDefinition');
    assert.deepEqual(register['aws:RequestTag/ecs-chaos:fault'], ['update-task-role']);
    assert.deepEqual(register['aws:TagKeys'], ['ecs-chaos:fault']);
    assert.deepEqual(keysOf('ecs:CreateService')['aws:TagKeys'], ['ecs-chaos:sibling-of']);
    const lease = keysOf('ecs:TagResource', 'the lease');
    assert.deepEqual(lease['aws:TagKeys'], ['ecs-chaos:lease:x']);
    assert.equal(lease['ecs:CreateAction'], undefined);
    const onCreate = requests.filter((q) => q.what === 'tags on create');
    assert.deepEqual(
      onCreate.map((q) => q.context.find((e) => e.ContextKeyName === 'ecs:CreateAction')?.ContextKeyValues[0]).sort(),
      ['CreateService', 'RegisterTaskDefinition'],
    );
  });

  test('PassRole keeps iam:PassedToService', () => {
    assert.deepEqual(keysOf('iam:PassRole')['iam:PassedToService'], ['ecs-tasks.amazonaws.com']);
  });
});
