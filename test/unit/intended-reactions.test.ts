/**
 * Which of ECS's reactions are a fault's own effect (reported, but not a failure of the verdict): the
 * launch failure of an unpullable image or a chaos execution role, the OOM kill of a memory limit.
 * Anything else, or the same reaction under another fault, still fails the run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { intendedReaction } from '../../src/engine/verify.js';
import type { EcsReaction } from '../../src/engine/reactions.js';

const OOM =
  'task 1a: EssentialContainerExited: Essential container in task exited; container app exit code 137 (OutOfMemoryError: Container killed due to memory usage)';
const EXIT_1 = 'task 2b: EssentialContainerExited: Essential container in task exited; container app exit code 1';
const PULL = 'task 3c: TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 5 time(s)';
const SUBNET = 'task 4d: TaskFailedToStart: ResourceNotFoundException: subnet not found';

function reaction(kind: EcsReaction['kind'], evidence: string[]): EcsReaction {
  return { kind, at: '2026-01-01T00:00:00.000Z', summary: kind, evidence, count: evidence.length };
}

describe('intended reactions', () => {
  test('update-container-resource-limit: OOM kills of the chaos tasks are its effect', () => {
    assert.equal(intendedReaction('update-container-resource-limit', reaction('task-crash', [OOM, OOM])), true);
  });

  test('update-container-resource-limit: a crash for another reason, even beside OOM kills, fails the run', () => {
    assert.equal(intendedReaction('update-container-resource-limit', reaction('task-crash', [EXIT_1])), false);
    assert.equal(intendedReaction('update-container-resource-limit', reaction('task-crash', [OOM, EXIT_1])), false);
    assert.equal(intendedReaction('update-container-resource-limit', reaction('launch-failure', [PULL])), false);
  });

  test('an OOM kill under a fault that does not intend it fails the run', () => {
    for (const fault of ['update-task-role', 'update-container-timeout', 'invalid-container-image'] as const)
      assert.equal(intendedReaction(fault, reaction('task-crash', [OOM])), false, fault);
  });

  test('launch failures: the unpullable image and the chaos execution role, by their reasons only', () => {
    assert.equal(
      intendedReaction('invalid-container-image', reaction('launch-failure', [PULL, 'event: failed to launch'])),
      true,
    );
    assert.equal(intendedReaction('update-execution-role', reaction('launch-failure', [PULL])), true);
    assert.equal(intendedReaction('invalid-container-image', reaction('launch-failure', [SUBNET])), false);
    assert.equal(intendedReaction('update-task-role', reaction('launch-failure', [PULL])), false);
  });

  test('a rollback is never intended', () => {
    assert.equal(intendedReaction('invalid-container-image', reaction('circuit-breaker-rollback', [PULL])), false);
  });
});
