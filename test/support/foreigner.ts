/**
 * Test support for the randomized foreign-changes run: someone else (a CI pipeline, another
 * operator) changing a service through the real AWS SDK while an experiment owns it, an IoHost that
 * tells when to act (and can break like a closed pipe), and the reset to a clean baseline.
 */
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { RecordingIoHost, type IoMessage } from '../../src/io/io-host.js';
import { waitSteady } from './sandbox.js';

export const FOREIGN_KINDS = ['deploy', 'rollback', 'config', 'scale-to-0', 'deregister', 'none'] as const;
export type ForeignKind = (typeof FOREIGN_KINDS)[number];
/** When the foreigner acts: while the chaos rolls out, during the hold, during the restore wait. */
export const MOMENTS = ['rollout', 'hold', 'restore'] as const;
export type Moment = (typeof MOMENTS)[number];

/** The message that opens each moment: the run's phase and the code it says when it is there. */
const ANCHOR: Record<Moment, { phase: string; code: IoMessage['code'] }> = {
  rollout: { phase: 'inject', code: 'wait.start' },
  hold: { phase: 'hold', code: 'phase.start' },
  restore: { phase: 'revert', code: 'wait.start' },
};

const STAGE_OF_WAIT: Record<string, string> = { inject: 'rollout', revert: 'restore-wait' };

/** The service's clean state: its revision (and what it holds), its configuration, its size. */
export interface Baseline {
  readonly arn: string;
  readonly taskRoleArn: string | undefined;
  readonly image: string;
}
export const BASELINE_CONFIG = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: false, rollback: false },
} as const;
export const BASELINE_COUNT = 2;

/**
 * An IoHost that records, follows the run's phase and lease, calls `onMoment` once at the chosen
 * moment (the anchor message, then `after` more messages of the same phase), and, given `breakAfter`,
 * throws on every write after that many messages, as a write to a closed pipe does.
 */
export class WatchingIo extends RecordingIoHost {
  phase = '';
  /** The phase, with the waits told apart: `rollout` (inject's wait), `restore-wait` (revert's wait). */
  stage = '';
  /** The run released or ended its lease: it no longer owns the service. */
  leaseGone = false;
  #armed = false;
  #fired = false;
  #after: number;

  private readonly moment: Moment | undefined;
  private readonly onMoment: () => void;
  private readonly breakAfter: number | undefined;
  /** Named on the errors thrown, to tell whose write failed when one goes unhandled. */
  readonly runId: string;

  constructor(o: { moment?: Moment; after: number; onMoment: () => void; breakAfter?: number; runId: string }) {
    super();
    this.moment = o.moment;
    this.#after = o.after;
    this.onMoment = o.onMoment;
    this.breakAfter = o.breakAfter;
    this.runId = o.runId;
  }

  override notify(message: IoMessage): void {
    super.notify(message);
    if (message.code === 'phase.start') this.phase = this.stage = String(message.data?.phase);
    if (message.code === 'wait.start') this.stage = STAGE_OF_WAIT[this.phase] ?? this.stage;
    if (message.code === 'lease.changed' && ['released', 'ended'].includes(String(message.data?.state)))
      this.leaseGone = true;
    if (this.moment && !this.#fired) this.#watch(message, ANCHOR[this.moment]);
    if (this.breakAfter !== undefined && this.messages.length > this.breakAfter) {
      throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write', runId: this.runId });
    }
  }

  #watch(message: IoMessage, anchor: { phase: string; code: IoMessage['code'] }): void {
    if (!this.#armed) {
      this.#armed = this.phase === anchor.phase && message.code === anchor.code;
      if (!this.#armed) return;
    } else if (this.phase !== anchor.phase) {
      this.#after = 0; // the phase ended first: act now
    } else {
      this.#after--;
    }
    if (this.#after <= 0) {
      this.#fired = true;
      this.onMoment();
    }
  }
}

/** What the foreigner did, and what the run was doing when AWS answered. */
export interface ForeignChange {
  readonly kind: ForeignKind;
  /** The service's state really changed (a rollback of a service already on the original does not). */
  readonly changed: boolean;
  /** The run's stage ({@link WatchingIo.stage}) when the mutation was answered, and whether it still held its lease. */
  readonly stage: string;
  readonly owned: boolean;
  /** A deploy: the revision deployed, and whether it was cloned from a revision carrying the chaos role. */
  readonly foreignArn?: string;
  readonly cloneOfChaos?: boolean;
  /** A config change: the fields set. */
  readonly config?: DeploymentConfiguration;
}

const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/** A registrable copy of a described revision, with the first container's image replaced if given. */
function cloneInput(def: TaskDefinition, image?: string): RegisterTaskDefinitionCommandInput {
  const input: Record<string, unknown> = { ...def };
  for (const key of READ_ONLY) delete input[key];
  const [first, ...rest] = def.containerDefinitions!;
  return {
    ...(input as unknown as RegisterTaskDefinitionCommandInput),
    containerDefinitions: [{ ...first!, ...(image ? { image } : {}) }, ...rest],
  };
}

/** Whether a revision carries the chaos task role (`''`: the chaos removed the role). */
export const carriesChaosRole = (taskRoleArn: string | undefined, chaosRole: string): boolean =>
  chaosRole === '' ? taskRoleArn === undefined : taskRoleArn === chaosRole;

/**
 * Someone else's change to the service, through the SDK: a routine deploy (a clone of the service's
 * CURRENT revision with another image), a rollback to the original, a deployment-configuration change,
 * scale to 0, deregistration of the original, or nothing.
 */
export async function actAsForeigner(
  ecs: ECSClient,
  where: { cluster: string; service: string },
  plan: { kind: ForeignKind; variant: number; build: string },
  baseline: Baseline,
  chaosRole: string,
  io: WatchingIo,
): Promise<ForeignChange> {
  const { cluster, service } = where;
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
  const answered = { stage: '', owned: false };
  const mutate = async <T>(send: Promise<T>): Promise<T> => {
    const out = await send;
    Object.assign(answered, { stage: io.stage, owned: !io.leaseGone });
    return out;
  };
  switch (plan.kind) {
    case 'deploy': {
      const current = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition })))
        .taskDefinition!;
      const image = current.containerDefinitions![0]!.image!.replace(/:[^:/]*$/, `:${plan.build}`);
      const theirs = (await ecs.send(new RegisterTaskDefinitionCommand(cloneInput(current, image)))).taskDefinition!;
      const foreignArn = theirs.taskDefinitionArn!;
      await mutate(ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: foreignArn })));
      const cloneOfChaos = carriesChaosRole(current.taskRoleArn, chaosRole);
      return { kind: plan.kind, changed: true, ...answered, foreignArn, cloneOfChaos };
    }
    case 'rollback':
      await mutate(ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: baseline.arn })));
      return { kind: plan.kind, changed: svc.taskDefinition !== baseline.arn, ...answered };
    case 'config': {
      const config: DeploymentConfiguration =
        plan.variant < 0.5
          ? { maximumPercent: 150, minimumHealthyPercent: 50 }
          : { ...BASELINE_CONFIG, deploymentCircuitBreaker: { enable: true, rollback: true } };
      await mutate(ecs.send(new UpdateServiceCommand({ cluster, service, deploymentConfiguration: config })));
      return { kind: plan.kind, changed: true, ...answered, config };
    }
    case 'scale-to-0':
      await mutate(ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 })));
      return { kind: plan.kind, changed: svc.desiredCount !== 0, ...answered };
    case 'deregister':
      // A change to the revision, not to the service: the run must cope, no conflict is owed.
      await mutate(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: baseline.arn })));
      return { kind: plan.kind, changed: false, ...answered };
    case 'none':
      return { kind: plan.kind, changed: false, stage: io.stage, owned: !io.leaseGone };
  }
}

/** Registers a copy of the demo's `orders:1` as the first revision of `family`. */
export async function registerBaseline(ecs: ECSClient, family: string): Promise<Baseline> {
  const def = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' }))).taskDefinition!;
  const copy = (await ecs.send(new RegisterTaskDefinitionCommand({ ...cloneInput(def), family }))).taskDefinition!;
  return {
    arn: copy.taskDefinitionArn!,
    taskRoleArn: copy.taskRoleArn,
    image: copy.containerDefinitions![0]!.image!,
  };
}

/** The baseline, or a fresh copy of it when someone deregistered it. */
export async function activeBaseline(ecs: ECSClient, baseline: Baseline): Promise<Baseline> {
  const original = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: baseline.arn })))
    .taskDefinition!;
  if (original.status === 'ACTIVE') return baseline;
  const copy = (await ecs.send(new RegisterTaskDefinitionCommand(cloneInput(original)))).taskDefinition!;
  return { ...baseline, arn: copy.taskDefinitionArn! };
}

/** Creates a service of `BASELINE_COUNT` Fargate tasks on the baseline revision and configuration. */
export async function createService(ecs: ECSClient, cluster: string, name: string, baseline: Baseline): Promise<void> {
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: name,
      taskDefinition: baseline.arn,
      desiredCount: BASELINE_COUNT,
      deploymentConfiguration: BASELINE_CONFIG,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }),
  );
}

/**
 * Puts a service back to a clean baseline through the SDK, as an operator would: no sibling, no
 * `ecs-chaos:*` tag, a fresh copy of the original if it was deregistered, every other revision of the
 * family deregistered, the baseline's revision, configuration and size; then waits until it is steady.
 */
export async function resetService(
  ecs: ECSClient,
  where: { cluster: string; service: string; family: string },
  baseline: Baseline,
): Promise<Baseline> {
  const { cluster, service, family } = where;
  const arns = (await ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }))).serviceArns ?? [];
  for (const arn of arns.filter((a) => a.includes(`/${service}-chaos-`))) {
    await ecs.send(new DeleteServiceCommand({ cluster, service: arn, force: true })).catch(() => undefined);
  }
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] })))
    .services![0]!;
  const tagKeys = (svc.tags ?? []).map((t) => t.key!).filter((k) => k.startsWith('ecs-chaos:'));
  if (tagKeys.length > 0) await ecs.send(new UntagResourceCommand({ resourceArn: svc.serviceArn, tagKeys }));
  const next = await activeBaseline(ecs, baseline);
  const config = svc.deploymentConfiguration;
  const clean =
    svc.taskDefinition === next.arn &&
    svc.desiredCount === BASELINE_COUNT &&
    config?.maximumPercent === BASELINE_CONFIG.maximumPercent &&
    config.minimumHealthyPercent === BASELINE_CONFIG.minimumHealthyPercent &&
    config.deploymentCircuitBreaker?.enable === false &&
    config.deploymentCircuitBreaker.rollback === false;
  if (!clean) {
    await ecs.send(
      new UpdateServiceCommand({
        cluster,
        service,
        taskDefinition: next.arn,
        desiredCount: BASELINE_COUNT,
        deploymentConfiguration: BASELINE_CONFIG,
      }),
    );
  }
  const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }));
  const others = (active.taskDefinitionArns ?? []).filter((a) => a.includes(`/${family}:`) && a !== next.arn);
  for (const arn of others) {
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  }
  await waitSteady(ecs, cluster, service, 30_000).catch(() => undefined);
  return next;
}
