import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentConfiguration, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ServiceInspection } from '../../src/engine/inspect.js';
import { decodeFullDeploymentConfiguration, encodeFullDeploymentConfiguration } from '../../src/engine/markers.js';
import { restoringConfiguration } from '../../src/engine/recover-steps.js';
import { carriesChaosChange, describeChaosChange } from '../../src/faults/update-task-role/carries-change.js';
import { updateTaskRole } from '../../src/faults/update-task-role/index.js';
import { copyTaskDefinition } from '../../src/faults/task-definition-copy.js';
import { isChaosDeploymentOf } from '../../src/engine/deployment-config.js';

const ORIGINAL_ROLE = 'arn:aws:iam::123456789012:role/orders-task-role';
const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';

describe('update-task-role: a candidate carries the chaos change', () => {
  const original = { taskRoleArn: ORIGINAL_ROLE };
  test('a clone of the chaos revision (the chaos role) carries it; one with the original role does not', () => {
    assert.equal(carriesChaosChange(original, { taskRoleArn: CHAOS_ROLE }, { taskRoleArn: CHAOS_ROLE }), true);
    assert.equal(carriesChaosChange(original, { taskRoleArn: CHAOS_ROLE }, { taskRoleArn: ORIGINAL_ROLE }), false);
    assert.equal(carriesChaosChange(original, { taskRoleArn: CHAOS_ROLE }, {}), false);
  });
  test('a removed role: a candidate without a role carries it (absent and empty are one)', () => {
    assert.equal(carriesChaosChange(original, {}, {}), true);
    assert.equal(carriesChaosChange(original, { taskRoleArn: '' }, {}), true);
    assert.equal(carriesChaosChange(original, {}, { taskRoleArn: ORIGINAL_ROLE }), false);
  });
  test('no change at all (the chaos role is the original role) is never carried', () => {
    assert.equal(carriesChaosChange(original, original, original), false);
    assert.equal(carriesChaosChange({}, {}, {}), false);
  });
  test('the repair keeps everything of the candidate but its role', () => {
    const candidate = {
      family: 'orders',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:7',
      revision: 7,
      status: 'ACTIVE',
      taskRoleArn: CHAOS_ROLE,
      containerDefinitions: [{ name: 'app', image: 'orders:ci-42' }],
    } as TaskDefinition;
    const takeOut = (from: TaskDefinition, tags: { key: string; value: string }[] = []) =>
      updateTaskRole.takeOut(copyTaskDefinition(candidate, tags), from);
    const input = takeOut(original, [{ key: 'team', value: 'orders' }]);
    assert.equal(input.taskRoleArn, ORIGINAL_ROLE);
    assert.equal(input.containerDefinitions![0]!.image, 'orders:ci-42');
    assert.equal((input as unknown as Record<string, unknown>).revision, undefined);
    assert.deepEqual(input.tags, [{ key: 'team', value: 'orders' }]);
    assert.equal(takeOut({}).taskRoleArn, undefined, 'the original had no role');
    assert.equal(describeChaosChange(original, candidate), `task role ${CHAOS_ROLE} (original: ${ORIGINAL_ROLE})`);
  });
});

describe("the chaos window's deployment configuration, recognised by its shape", () => {
  const original: DeploymentConfiguration = {
    maximumPercent: 175,
    minimumHealthyPercent: 75,
    deploymentCircuitBreaker: { enable: true, rollback: false },
  };
  test('min 100, max 101..200, the original breaker, other limits than the original: the chaos one', () => {
    assert.equal(isChaosDeploymentOf(original, { ...original, maximumPercent: 125, minimumHealthyPercent: 100 }), true);
    assert.equal(isChaosDeploymentOf(original, original), false);
    assert.equal(isChaosDeploymentOf(original, { ...original, maximumPercent: 125, minimumHealthyPercent: 50 }), false);
    assert.equal(
      isChaosDeploymentOf(original, {
        maximumPercent: 125,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      }),
      false,
      'someone changed the circuit breaker: not the chaos window',
    );
  });

  test('the circuit breaker is read as a restore reads it: absent is off; the alarms are not part of the shape', () => {
    const noBreaker: DeploymentConfiguration = { maximumPercent: 200, minimumHealthyPercent: 50 };
    const chaos = { maximumPercent: 150, minimumHealthyPercent: 100 };
    assert.equal(
      isChaosDeploymentOf(noBreaker, { ...chaos, deploymentCircuitBreaker: { enable: false, rollback: false } }),
      true,
    );
    assert.equal(
      isChaosDeploymentOf(noBreaker, { ...chaos, deploymentCircuitBreaker: { enable: true, rollback: false } }),
      false,
    );
    assert.equal(
      isChaosDeploymentOf(original, {
        ...original,
        ...chaos,
        alarms: { alarmNames: ['x'], enable: true, rollback: false },
      }),
      true,
    );
    assert.equal(isChaosDeploymentOf(noBreaker, undefined), false);
  });
});

describe('recover restores the whole deployment configuration', () => {
  const whole: DeploymentConfiguration = {
    maximumPercent: 175,
    minimumHealthyPercent: 75,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    alarms: { alarmNames: ['orders-5xx'], enable: true, rollback: true },
    strategy: 'ROLLING',
    bakeTimeInMinutes: 5,
  };
  const inspection = (over: Partial<ServiceInspection>): ServiceInspection =>
    ({ originalDeploymentComplete: false, ...over }) as ServiceInspection;

  test('from the markers: the limits and breaker from the short one, alarms and strategy settings from the full one', () => {
    const text = encodeFullDeploymentConfiguration(whole)!;
    assert.ok(text.length <= 256, `${text.length} characters`);
    const rest = decodeFullDeploymentConfiguration(text)!;
    assert.equal(rest.maximumPercent, undefined, 'the short marker holds the limits');
    const short = {
      maximumPercent: 175,
      minimumHealthyPercent: 75,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    };
    assert.deepEqual(
      restoringConfiguration(
        inspection({ originalDeployment: { ...short, ...rest }, originalDeploymentComplete: true }),
      ),
      whole,
    );
    const many = {
      ...whole,
      alarms: { alarmNames: Array.from({ length: 9 }, (_, i) => `alarm-${i}-of-orders`), enable: true, rollback: true },
    };
    assert.equal(encodeFullDeploymentConfiguration(many), undefined, 'nine alarms do not fit a tag');
  });
  test("without it: the short marker's limits and breaker over the current configuration (its alarms and strategy kept)", () => {
    const current = { ...whole, maximumPercent: 125, minimumHealthyPercent: 100 };
    const short = {
      maximumPercent: 175,
      minimumHealthyPercent: 75,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    };
    assert.deepEqual(
      restoringConfiguration(inspection({ originalDeployment: short, deploymentConfiguration: current })),
      whole,
    );
  });
});
