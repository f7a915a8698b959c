/**
 * `ecs-chaos demo --fault NAME` from the built program: each task-definition fault's demo runs its
 * experiment against the in-process sandbox, ends in Pass, and its result shows the fault's effect
 * on the chaos task (the stop reason, the exit code, or the chaos revision's field) while the
 * service kept its four tasks serving.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli } from '../support/cli.js';

/** The timeline events of a result named `name`. */
const events = (result: ExperimentResult, name: string): string[] =>
  result.timeline.filter((e) => e.kind === 'event' && e.name === name).map((e) => e.message);

/** The evidence of the result's reactions of one kind. */
const evidence = (result: ExperimentResult, kind: string): string[] =>
  (result.reactions ?? []).filter((r) => r.kind === kind).flatMap((r) => r.evidence);

interface DemoCase {
  readonly fault: string;
  /** The tunable the experiment file sets, as the result's spec records it. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** What the result shows of the effect on the chaos task. */
  readonly effect: (result: ExperimentResult) => void;
  /** The effect in the readable summary on stdout. */
  readonly shown: RegExp;
  /** The demo's probes, when not the three of the task-definition faults' demos. */
  readonly probes?: readonly string[];
}

const CASES: readonly DemoCase[] = [
  {
    fault: 'update-execution-role',
    shown: /failed to start, as the fault intends: CannotPullContainerError/,
    spec: { EXECUTION_ROLE: 'arn:aws:iam::123456789012:role/orders-chaos-execution-role' },
    effect: (result) => {
      // The chaos execution role may get the ECR token but not the private image's manifest.
      const effect = events(result, 'chaos-effect');
      assert.equal(effect.length, 1, 'the launch failure is recorded as the effect');
      assert.match(effect[0]!, /CannotPullContainerError: .*orders:1\.4\.2.*403 Forbidden/);
      assert.ok(evidence(result, 'launch-failure').every((e) => /TaskFailedToStart: CannotPullContainerError/.test(e)));
    },
  },
  {
    fault: 'update-container-resource-limit',
    shown: /^ecs: +chaos tasks crashed[^\n]*\n.*exit code 137 \(OutOfMemoryError/m,
    spec: { MEMORY_LIMIT: 256 },
    effect: (result) => {
      // The app uses 384 MiB: each chaos task is OOM-killed once it has grown to it.
      const crashes = evidence(result, 'task-crash');
      assert.ok(crashes.length >= 1, 'a chaos task was OOM-killed');
      for (const e of crashes)
        assert.match(e, /EssentialContainerExited: .*container app exit code 137 \(OutOfMemoryError: Container killed/);
      assert.ok(events(result, 'chaos-running').length >= 1, 'the chaos task ran before it was killed');
    },
  },
  {
    fault: 'update-container-timeout',
    shown: /container app exit code 137, killed at its stopTimeout/,
    spec: { STOP_TIMEOUT: 5 },
    effect: (result) => {
      // The chaos task ran with the 5 s stopTimeout, shorter than the app's 10 s drain: when the
      // revert stopped it, its app was killed mid-drain.
      assert.match(events(result, 'chaos-running')[0] ?? '', /under container stopTimeout 5s \(app\)/);
      const killed = events(result, 'chaos-killed-at-stop');
      assert.equal(killed.length, 1, 'the one chaos task was killed at its stopTimeout');
      assert.match(killed[0]!, /container app exit code 137, killed at its stopTimeout/);
    },
  },
  {
    fault: 'invalid-container-image',
    shown: /failed to start, as the fault intends: CannotPullContainerError/,
    spec: { CONTAINER_NAMES: 'app' },
    effect: (result) => {
      const effect = events(result, 'chaos-effect');
      assert.equal(effect.length, 1, 'the launch failure is recorded as the effect');
      assert.match(effect[0]!, /CannotPullContainerError: .*ecs-chaos\.invalid\/unpullable:chaos/);
    },
  },
  {
    fault: 'deny-task-permissions',
    shown:
      /window 1: inline ecs-chaos-deny-\S+ until \S+; denied [\d.]+s after the attach \(CloudTrail ssm:GetParameter\); allowed again [\d.]+s after the removal/,
    spec: { DENY_ACTIONS: 's3:PutObject,ssm:GetParameter' },
    probes: ['orders-health', 'access-denied-errors-metric', 'access-denied-in-cloudtrail'],
    effect: (result) => {
      // No revision, no deployment: only the role's policy and tag were written, and undone.
      assert.deepEqual(
        result.mutations.map((m) => m.operation).sort(),
        ['PutRolePolicy', 'TagRole'],
        JSON.stringify(result.mutations),
      );
      assert.equal(result.deny?.roleUnchanged, true);
      const it = result.deny?.iterations[0];
      assert.equal(typeof it?.deniedAfterSeconds, 'number', 'the time until the first denied call');
      assert.equal(typeof it?.allowedAfterSeconds, 'number', 'the time until calls were allowed again');
    },
  },
  {
    fault: 'task-stop',
    shown: /stopped|recover/i,
    spec: { TASK_COUNT: 1 },
    probes: ['orders-health', 'orders-serves-during-chaos', 'orders-has-its-tasks-again'],
    effect: (result) => {
      // One task stopped with a reason naming the experiment, replaced, and the time to recovery.
      const iterations = result.taskStop?.iterations ?? [];
      const stopped = iterations.flatMap((i) => i.stopped);
      assert.equal(stopped.length, iterations.length, 'one task stopped per iteration');
      assert.ok(stopped.length >= 1);
      for (const s of stopped) assert.match(s.reason, new RegExp(result.experimentId));
      for (const i of iterations) {
        assert.equal(i.recovered, true);
        assert.ok(i.replacements.length >= 1, 'ECS started a replacement');
        assert.ok((i.recoverySeconds ?? -1) >= 0, 'the time to recovery is reported');
      }
    },
  },
];

describe('ecs-chaos demo --fault', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-demo-faults-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists every fault the demo shows, with what it shows', async () => {
    const run = await runCli(['demo', '--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /--fault <name>/);
    assert.match(run.stdout, /default:\s+"update-task-role"/);
    for (const name of ['update-task-role', ...CASES.map((c) => c.fault)])
      assert.match(run.stdout, new RegExp(`^ {2}${name}: \\S`, 'm'), `${name} is listed with its description`);
  });

  test('an unknown --fault is refused before the sandbox starts, naming the choices', async () => {
    const run = await runCli(['demo', '--fault', 'update-nothing', '--pace', 'fast'], { cwd: dir });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /update-nothing/);
    assert.match(run.stderr, /update-execution-role/);
    assert.doesNotMatch(run.stderr, /sandbox at/);
  });

  for (const c of CASES) {
    test(`demo --fault ${c.fault}: Pass, the effect on the chaos task, the service kept serving`, async () => {
      const resultFile = join(dir, `${c.fault}.json`);
      const experimentFile = join(dir, `${c.fault}.yaml`);
      const run = await runCli(
        [
          'demo',
          '--fault',
          c.fault,
          '--pace',
          'fast',
          '--duration',
          '3s',
          '--log-format',
          'text',
          '--result-file',
          resultFile,
          '--experiment-file',
          experimentFile,
          '--html',
          join(dir, `${c.fault}.html`),
        ],
        { cwd: dir, timeoutMs: 120_000 },
      );
      assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(result.fault, c.fault);
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      assert.match(run.stdout, /verdict:\s+Pass/);
      assert.match(run.stdout, c.shown, 'the readable summary shows the effect');
      for (const [k, v] of Object.entries(c.spec)) assert.deepEqual(result.spec[k], v, `the result records ${k}`);
      c.effect(result);
      // The untouched service kept its four tasks on the original revision and answered 200 throughout.
      assert.deepEqual(
        result.probes.map((p) => [p.name, p.status]),
        (c.probes ?? ['orders-health', 'orders-keeps-its-tasks', 'orders-serves-during-chaos']).map((name) => [
          name,
          'Passed',
        ]),
      );
      assert.equal(result.residue.clean, true);
      // The experiment the demo wrote is the one a team would run: the fault and its tunables.
      const experiment = parse(readFileSync(experimentFile, 'utf8')) as Record<string, unknown>;
      assert.equal(experiment.fault, c.fault);
      assert.match(run.stderr, new RegExp(`demo: the experiment file: .*${c.fault}\\.yaml`));
    });
  }
});
