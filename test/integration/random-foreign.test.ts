/**
 * The randomized foreign-changes run: at least 200 experiments, in both exposure modes, during which
 * someone else acting through the AWS SDK (a CI pipeline, another operator) deploys, rolls back,
 * changes the deployment configuration, scales to 0 or deregisters the original revision, at a moment
 * chosen from the run's own messages (while the chaos rolls out, during the hold, during the restore
 * wait); on some runs the IoHost breaks like a closed pipe. Each experiment must leave no chaos and
 * lose no foreign change, checked from the sandbox's own state, and report a conflict for every
 * change made while it owned the service.
 *
 * Seeded: the seed is printed. Every run draws its choices from its own generator (seed, worker,
 * index), so `RANDOM_FOREIGN_SEED=<seed> RANDOM_FOREIGN_ONLY=3.7,5.1` replays runs 3.7 and 5.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExperimentResult } from '../../src/report/result.js';
import type { EcsRegion } from '../../sandbox/ecs/store.js';
import { roleArn, runFault } from '../support/experiment.js';
import {
  actAsForeigner,
  activeBaseline,
  BASELINE_CONFIG,
  BASELINE_COUNT,
  carriesChaosRole,
  createService,
  FOREIGN_KINDS,
  MOMENTS,
  registerBaseline,
  resetService,
  WatchingIo,
  type Baseline,
  type ForeignChange,
  type ForeignKind,
  type Moment,
} from '../support/foreigner.js';
import { chaosLeft, prng, revisionOf } from '../support/random-run.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const WORKERS = Number(process.env.RANDOM_FOREIGN_WORKERS ?? 8);
const PER_WORKER = Number(process.env.RANDOM_FOREIGN_PER_WORKER ?? 25);
const SEED = Number(process.env.RANDOM_FOREIGN_SEED ?? Math.floor(Math.random() * 2 ** 32));
/** `w.i` pairs to replay (1-based), comma-separated; all runs when unset. */
const ONLY = process.env.RANDOM_FOREIGN_ONLY?.split(',').map((s) => s.trim());
const CHAOS_ROLE = roleArn('orders-chaos-role');

/** One experiment's choices, all drawn up front from its own generator. */
interface Plan {
  readonly id: string;
  readonly kind: ForeignKind;
  readonly moment: Moment;
  /** Messages of the moment's phase to let pass before acting. */
  readonly after: number;
  readonly variant: number;
  /** The image tag of a foreign deploy. */
  readonly build: string;
  readonly mode: 'exact' | 'rolling';
  readonly percent: number;
  readonly taskRole: string;
  readonly duration: string;
  /** The IoHost throws on every write after this many messages. */
  readonly breakAfter?: number;
}

function planFor(w: number, i: number): Plan {
  const random = prng((SEED ^ Math.imul(w, 0x9e3779b1) ^ Math.imul(i, 0x85ebca6b)) >>> 0);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kind = pick(FOREIGN_KINDS);
  const moment = pick(MOMENTS);
  // The chaos rolls out fast: act at once then. The hold and the restore wait: at once or a message later.
  const later = random() < 0.5 ? 1 : 0;
  const after = moment === 'rollout' ? 0 : later;
  const variant = random();
  const mode = random() < 0.5 ? 'exact' : 'rolling';
  // With 2 tasks: exact mode needs at least 34 % for one chaos task; rolling mode 51 % and up.
  const share = random();
  const percent = mode === 'exact' ? 34 + Math.floor(share * 17) : 51 + Math.floor(share * 50);
  const taskRole = random() < 0.8 ? CHAOS_ROLE : '';
  const duration = random() < 0.8 ? '1' : '2';
  const breaks = random() < 0.25;
  const breakAt = Math.floor(random() * 40);
  return {
    id: `${w}.${i}`,
    build: `ci-${w}-${i}`,
    ...{ kind, moment, after, variant, mode, percent, taskRole, duration },
    ...(breaks ? { breakAfter: breakAt } : {}),
  };
}

/** A fixed experiment id per run, so its chaos can be found even when the run throws. */
function experimentIdFor(w: number, i: number): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `ecs-chaos-${stamp}-${w.toString(16).padStart(2, '0')}${i.toString(16).padStart(4, '0')}`;
}

/** Everything wrong with one run's end state: chaos left, foreign changes lost, conflicts missed. */
function problemsOf(
  region: EcsRegion,
  where: { service: string; family: string; experimentId: string },
  plan: Plan,
  baseline: Baseline,
  outcome: ExperimentResult | Error,
  change: ForeignChange | undefined,
): string[] {
  const problems: string[] = [];
  const result = outcome instanceof Error ? undefined : outcome;
  if (outcome instanceof Error) problems.push(`the run threw ${outcome.name}: ${outcome.message.split('\n')[0]}`);
  const residue = JSON.stringify(result?.residue.items ?? []);
  const reports = (kind: string): boolean => result?.residue.items.some((i) => i.kind === kind) ?? false;
  const svc = region.cluster('demo').services.get(where.service)!;
  const current = region.families.get(where.family)?.find((r) => r.arn === svc.taskDefinition);
  const rev = revisionOf(svc.taskDefinition);

  // 0 chaos left.
  // A copy of the original the run may register (its original deregistered) is not chaos.
  const left = chaosLeft(region, { cluster: 'demo', ...where }, (r) =>
    carriesChaosRole(r.def.taskRoleArn as string | undefined, plan.taskRole),
  );
  if (left.chaosTasksUp.length > 0) problems.push(`chaos tasks still up ${left.chaosTasksUp.join(',')}`);
  if (left.siblings.length > 0) problems.push(`sibling services ${left.siblings.join(',')}`);
  const revisions = left.activeChaosRevisions.filter((a) => !(a === svc.taskDefinition && residue.includes(a)));
  if (revisions.length > 0) problems.push(`ACTIVE chaos revisions ${revisions.map(revisionOf).join(',')}`);
  const markers = left.markers.filter((k) => !k.startsWith('ecs-chaos:lease:'));
  if (markers.length > 0 && !reports('service-markers')) problems.push(`markers ${markers.join(',')} unreported`);
  // A lease marked ended beside reported residue is by design: it lets `status` and `recover` see it.
  const ended = (key: string): boolean => svc.tags.some((t) => t.key === key && t.value.startsWith('state=ended'));
  const leases = left.leases.filter((k) => !reports('lease') && !(result?.residue.clean === false && ended(k)));
  if (leases.length > 0) problems.push(`leases ${leases.join(',')} unreported`);
  const role = current?.def.taskRoleArn as string | undefined;
  // Reported residue makes the exit code 4 whatever the verdict (a conflict's Fail, say).
  if (
    carriesChaosRole(role, plan.taskRole) &&
    !(result?.residue.clean === false && residue.includes(svc.taskDefinition))
  ) {
    problems.push(
      `the service runs :${rev} carrying the chaos role, not reported: verdict ${result?.verdict}, residue ${residue}`,
    );
  }

  // 0 foreign change lost.
  const kind = change?.kind ?? 'none';
  if (kind === 'deploy') {
    if (svc.taskDefinition !== change!.foreignArn)
      problems.push(`foreign deploy :${revisionOf(change!.foreignArn!)} lost: the service runs :${rev}`);
  } else if (kind === 'deregister') {
    const image = (current?.def.containerDefinitions as Array<{ image: string }> | undefined)?.[0]?.image;
    if (role !== baseline.taskRoleArn || image !== baseline.image)
      problems.push(`after the original's deregistration the service runs :${rev} (role ${role}, image ${image})`);
  } else if (svc.taskDefinition !== baseline.arn) {
    problems.push(`the service runs :${rev}, not the original :${revisionOf(baseline.arn)}`);
  }
  const expected = { ...BASELINE_CONFIG, ...(kind === 'config' ? change!.config : {}) };
  const got = svc.deploymentConfiguration;
  if (
    got.maximumPercent !== expected.maximumPercent ||
    got.minimumHealthyPercent !== expected.minimumHealthyPercent ||
    got.deploymentCircuitBreaker.enable !== expected.deploymentCircuitBreaker?.enable ||
    got.deploymentCircuitBreaker.rollback !== expected.deploymentCircuitBreaker.rollback
  ) {
    const what = kind === 'config' ? 'foreign configuration lost' : 'deployment configuration not restored';
    problems.push(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }
  const desired = kind === 'scale-to-0' ? 0 : BASELINE_COUNT;
  if (svc.desiredCount !== desired) problems.push(`desired count ${svc.desiredCount}, expected ${desired}`);

  // A conflict for every change made while the run owned the service. In exact mode the run never
  // touches the service's deployment configuration: a change to it conflicts with nothing.
  const conflicting = !(kind === 'config' && plan.mode === 'exact');
  if (change?.changed && change.owned && conflicting && result && result.conflicts.length === 0) {
    problems.push(`no conflict reported for the ${kind} answered during ${change.stage}`);
  }
  return problems;
}

describe(`randomized foreign changes and output failures (seed ${SEED})`, () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  const baselines = new Map<number, Baseline>();
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    for (let w = 1; w <= WORKERS; w++) {
      // A family per worker: deregistering one worker's original touches no other service.
      const baseline = await registerBaseline(ctx.ecs, `orders-w${w}`);
      baselines.set(w, baseline);
      await createService(ctx.ecs, 'demo', `svc-${w}`, baseline);
    }
    for (let w = 1; w <= WORKERS; w++) await waitSteady(ctx.ecs, 'demo', `svc-${w}`);
  });
  after(() => ctx.sandbox.close());

  // A write error the run does not catch may surface as an unhandled rejection (a promise the run
  // did not await): in the CLI that ends the process mid-chaos. Node's test runner would fail the
  // whole test at the first one; they are recorded against their run instead. Other rejections go
  // to the runner as before. (Each test file runs in its own process.)
  const unhandled = new Map<string, string[]>();
  before(() => {
    const runner = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', (reason, promise) => {
      const runId = (reason as { runId?: unknown } | undefined)?.runId;
      if (typeof runId !== 'string') for (const listener of runner) listener(reason, promise);
      else {
        const frame = (reason as Error).stack?.split('\n').find((l) => l.includes('/src/')) ?? '';
        unhandled.set(runId, [...(unhandled.get(runId) ?? []), frame.trim()]);
      }
    });
  });

  test(`${WORKERS * PER_WORKER} experiments under foreign changes leave no chaos and lose no foreign change`, async () => {
    const region = ctx.sandbox.world.ecs.region('us-east-1');
    const rows: Array<{ id: string; key: string; line: string; failed: boolean }> = [];
    let acted = 0;
    let brokenIo = 0;

    const worker = async (w: number): Promise<void> => {
      let service = `svc-${w}`;
      const family = `orders-w${w}`;
      for (let i = 1; i <= PER_WORKER; i++) {
        const plan = planFor(w, i);
        if (ONLY && !ONLY.includes(plan.id)) continue;
        try {
          const baseline = await resetService(ctx.ecs, { cluster: 'demo', service, family }, baselines.get(w)!);
          baselines.set(w, baseline);
          const experimentId = experimentIdFor(w, i);
          let foreign: Promise<ForeignChange | Error> | undefined;
          const io = new WatchingIo({
            ...(plan.kind === 'none' ? {} : { moment: plan.moment }),
            after: plan.after,
            onMoment: () => {
              foreign = actAsForeigner(ctx.ecs, { cluster: 'demo', service }, plan, baseline, plan.taskRole, io).catch(
                (error: unknown) => error as Error,
              );
            },
            ...(plan.breakAfter !== undefined ? { breakAfter: plan.breakAfter } : {}),
            runId: plan.id,
          });
          const flags = {
            cluster: 'demo',
            service,
            taskRole: plan.taskRole,
            affectedPercent: String(plan.percent),
            rolloutTimeout: '15',
            restoreTimeout: '20',
            duration: plan.duration,
            interval: '1',
            force: true,
          };
          const outcome = await runFault(ctx.sandbox, flags, { pollIntervalMs: 50, experimentId, io }).then(
            ({ result }) => result,
            (error: unknown) => error as Error,
          );
          const answer = foreign ? await foreign : undefined;
          const change = answer instanceof Error ? undefined : answer;
          if (change && change.kind !== 'none') acted++;
          const broke = plan.breakAfter !== undefined && io.messages.length > plan.breakAfter;
          if (broke) brokenIo++;
          const problems = problemsOf(region, { service, family, experimentId }, plan, baseline, outcome, change);
          if (outcome instanceof Error) {
            // A run that threw may go on in the background (its lease's heartbeat, its polls): the
            // next runs of this worker take a new service so they do not inherit it.
            service = `svc-${w}-after-${i}`;
            baselines.set(w, await activeBaseline(ctx.ecs, baseline));
            await createService(ctx.ecs, 'demo', service, baselines.get(w)!);
            await waitSteady(ctx.ecs, 'demo', service, 30_000).catch(() => undefined);
          }
          if (answer instanceof Error)
            problems.push(`the foreigner's ${plan.kind} failed: ${answer.name}: ${answer.message}`);
          const landed = change ? ` answered during ${change.stage || '-'}${change.owned ? '' : ' (lease gone)'}` : '';
          const verdict = outcome instanceof Error ? 'threw' : `${outcome.verdict} (${outcome.verdictReason})`;
          rows.push({
            id: plan.id,
            key: broke
              ? `output fails (EPIPE) ${plan.mode}`
              : `${plan.kind} ${plan.kind === 'none' ? '-' : (change?.stage ?? `(${plan.moment} not reached)`)} ${plan.mode}`,
            line:
              `${plan.id} ${plan.mode} ${plan.percent}% role=${plan.taskRole ? 'chaos' : 'removed'} ` +
              `${plan.kind}${change?.cloneOfChaos ? ' (a clone of the chaos revision)' : ''}@${plan.moment}+${plan.after}${landed}${broke ? ` io broke after ${plan.breakAfter}` : ''}: ` +
              `${verdict}${problems.length > 0 ? ` -- ${problems.join('; ')}` : ''}`,
            failed: problems.length > 0,
          });
        } catch (error) {
          // The harness's own calls (the reset, the service) failed: say so, and go on with a new service.
          rows.push({ id: plan.id, key: 'harness', line: `${plan.id} harness error: ${String(error)}`, failed: true });
          service = `svc-${w}-after-${i}`;
          baselines.set(w, await activeBaseline(ctx.ecs, baselines.get(w)!));
          await createService(ctx.ecs, 'demo', service, baselines.get(w)!);
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w + 1)));

    for (const row of rows) {
      const frames = unhandled.get(row.id);
      if (!frames) continue;
      row.failed = true;
      row.line += ` -- ${frames.length} output failure(s) left unhandled (a crash in the CLI): ${frames.join(', ')}`;
    }
    // The table the fixes are checked against: one line per kind x stage (when AWS answered the
    // foreigner) x mode, with a run to replay.
    const keys = [...new Set(rows.map((r) => r.key))].sort();
    const table = keys.map((key) => {
      const of = rows.filter((r) => r.key === key);
      const failed = of.filter((r) => r.failed);
      return `${key.padEnd(34)} ${failed.length}/${of.length} failed${failed.length > 0 ? `: ${failed[0]!.line}` : ''}`;
    });
    const failures = rows.filter((r) => r.failed).map((r) => r.line);
    console.log(
      `random foreign changes (seed ${SEED}): ${rows.length} experiments, ${acted} foreign changes made, ` +
        `${brokenIo} with a broken IoHost, ${failures.length} failed\n${table.join('\n')}` +
        (failures.length > 0 ? `\nall failures:\n${failures.join('\n')}` : ''),
    );
    if (!ONLY) assert.equal(rows.length, WORKERS * PER_WORKER);
    assert.equal(
      failures.length,
      0,
      `${failures.length} runs failed (listed above); replay with RANDOM_FOREIGN_SEED=${SEED} RANDOM_FOREIGN_ONLY=<run ids>`,
    );
    if (!ONLY) assert.ok(acted > rows.length / 2, 'foreign changes were really made');
  });
});
