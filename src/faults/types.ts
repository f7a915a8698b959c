/**
 * The contract between the engine and a fault. Two kinds:
 *
 * - a task-definition fault: the engine owns the lifecycle every such fault shares (preflight ->
 *   lease -> register -> roll -> hold -> revert -> deregister -> verify, with exposure modes,
 *   markers, recover and reports); the module says only what is its own: its checks, the change it
 *   makes to a task definition (a pure transform), how that change reads, and how to recognise it
 *   afterwards;
 * - an episode fault (task stop, a Deny on the running role): no chaos revision. The engine still
 *   runs preflight of the service, the lease, probes, stop conditions, the chaos window, the record,
 *   the verdict and the lease's release; the module's `iteration` makes its change, holds and undoes
 *   it, and its `verifyEnd` reads what it left.
 *
 * Adding a fault adds a module under `src/faults/<name>/` and one line in the registry, never a
 * change to the engine.
 */
import type { RegisterTaskDefinitionCommandInput, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsPort, IamPort } from '../aws/ports.js';
import type { ExperimentSpec, FaultName } from '../config/spec.js';
import type { PredictedExposure } from '../engine/exposure.js';
import type { PlannedCall } from '../engine/plan.js';
import type { IterationState, Look, RunContext } from '../engine/run-context.js';
import type { ResidueItem } from '../report/result.js';

/** The outcome of one preflight check, as the engine records it. */
export type FaultCheckStatus = 'pass' | 'warn' | 'fail';

/** What a fault's preflight checks get from the engine. */
export interface FaultCheckContext {
  readonly spec: ExperimentSpec;
  readonly service: Service;
  /** The service's revision, as DescribeTaskDefinition answered it. */
  readonly original: TaskDefinition;
  /** Where the service is: the chaos revision's roles must be of this account. */
  readonly where: {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly cluster: string;
  };
  /** Records a passed or warned check. */
  readonly record: (name: string, status: Exclude<FaultCheckStatus, 'fail'>, detail: string) => unknown;
  /** Records a failed check and ends preflight (exit 2, nothing changed). */
  readonly fail: (name: string, detail: string) => never;
}

/** The reads a fault's checks need, started with the engine's first reads and awaited in `check`. */
export interface FaultReadDeps {
  readonly iam: IamPort;
  /** ECS, for a fault whose checks read beyond the service (its tasks, who else uses its task role): read-only calls only. */
  readonly ecs: EcsPort;
  readonly signal: AbortSignal;
}

/** A read plan lists before the mutations. */
export interface FaultPlannedRead {
  readonly operation: string;
  readonly detail: string;
}

/** What every fault says: its preflight reads and checks, its words, the role it acts on. */
interface FaultBase<Reads> {
  readonly name: FaultName;
  /** Starts the fault's own preflight reads alongside the engine's (preflight costs round trips, not calls). */
  startReads(spec: ExperimentSpec, deps: FaultReadDeps): Reads;
  /** The fault's own read-only checks, after the engine's checks of the service and its revision. */
  check(ctx: FaultCheckContext, reads: Reads): Promise<void>;
  /** The reads `check` makes, for `plan`. */
  plannedReads(spec: ExperimentSpec): readonly FaultPlannedRead[];
  /** The verdict's words for "the change reached the tasks": `the task role was swapped`. */
  readonly effectPhrase: string;
  /**
   * The effect checks' names in the reports, where the task-definition faults' do not fit:
   * `reached` for "tasks of the chaos revision ran", `restored` for "the service was restored".
   */
  readonly reportWords?: { readonly reached: string; readonly restored: string };
  /**
   * The IAM identity the fault swaps, when it swaps one (a task or execution role): the engine then
   * predicts the blast radius between the two roles, gives probes the chaos role, and reads the
   * chaos role's AccessDenied events from CloudTrail. Undefined for faults that change no role.
   */
  identity?(original: TaskDefinition, spec: ExperimentSpec): RoleSwap | undefined;
  /**
   * What the fault may leave outside ECS (a policy on a role...), for `status` and `recover`: found
   * from each service and its revision, removed one by one. Undefined: the engine's markers, chaos
   * revisions and leases say everything.
   */
  readonly leftovers?: FaultLeftovers;
}

/** What `status` and `recover` hand a fault's {@link FaultLeftovers}. */
export interface LeftoverContext {
  readonly service: Service;
  /** The revision the service runs (undefined when it could not be read). */
  readonly taskDefinition: TaskDefinition | undefined;
  readonly iam: IamPort;
  readonly now: Date;
  readonly signal?: AbortSignal;
}

/** One thing a fault left behind. */
export interface FaultLeftover {
  readonly fault: FaultName;
  /** e.g. `deny-policy`, `role-marker`. */
  readonly kind: string;
  /** What it is on: an ARN. */
  readonly resource: string;
  /** What it is, in words (`inline policy ecs-chaos-deny-... on role orders-task-role, expired 3 min ago`). */
  readonly detail: string;
  /** For the fault's own `remove`: which policy, which tag. */
  readonly ref: string;
  /** The experiment that left it, when its name or marker says: recover leaves it while that experiment is LIVE. */
  readonly experimentId?: string;
}

/** Leftovers outside ECS a fault knows how to find and remove. */
export interface FaultLeftovers {
  find(ctx: LeftoverContext): Promise<readonly FaultLeftover[]>;
  /** Removes one (idempotent: gone already is done); resolves to the action done, one line. */
  remove(leftover: FaultLeftover, ctx: LeftoverContext): Promise<string>;
}

/**
 * A fault that changes the service's task definition: the engine registers the transformed copy as
 * the chaos revision, rolls it out (exposure mode), holds, and restores the original.
 *
 * `Reads` is whatever the fault's `startReads` returns: promises of its preflight reads.
 */
export interface TaskDefinitionFault<Reads = unknown> extends FaultBase<Reads> {
  readonly kind: 'task-definition';
  /**
   * The change, pure: the chaos revision's RegisterTaskDefinition input from a faithful copy of the
   * original's. Only the fault's fields may differ; the engine adds the tags.
   */
  apply(copy: RegisterTaskDefinitionCommandInput, spec: ExperimentSpec): RegisterTaskDefinitionCommandInput;
  /**
   * The only fields `apply` may change, as paths of the task definition (`taskRoleArn`,
   * `containerDefinitions[0].cpu`): the faithful-copy property every fault is tested for.
   */
  readonly changedFields: readonly RegExp[];
  /** The change in a few words, for the timeline and plan: `task role A -> B`. */
  describe(original: TaskDefinition, spec: ExperimentSpec): string;
  /** What the chaos tasks run under, for the timeline: `task role B`. */
  describeChaos(spec: ExperimentSpec): string;
  /**
   * Why the registered chaos revision does not carry the change (AWS answered something else), or
   * undefined when it does.
   */
  verifyRegistered(chaos: TaskDefinition, spec: ExperimentSpec): string | undefined;
  /**
   * Whether `candidate` carries the change the chaos revision made to the original: the chaos
   * revision itself, or someone's revision cloned from it (then it is residue).
   */
  carries(candidate: TaskDefinition, original: TaskDefinition, chaos: TaskDefinition): boolean;
  /** The change a candidate carries, in a few words: `task role X (original: Y)`. */
  describeCarried(candidate: TaskDefinition, original: TaskDefinition): string;
  /**
   * The change taken out again, pure: a faithful copy of someone's revision that carries it, with the
   * fault's fields as the original has them (their image and every other change kept).
   */
  takeOut(copy: RegisterTaskDefinitionCommandInput, original: TaskDefinition): RegisterTaskDefinitionCommandInput;
  /**
   * The launch failure that IS the fault's effect (e.g. /CannotPullContainerError/ for an image that
   * cannot be pulled): chaos tasks failing to start with a matching reason are then the effect,
   * held and reverted like any other, not an error. Undefined: chaos tasks must run.
   */
  readonly expectsLaunchFailure?: RegExp;
  /**
   * The crash that IS the fault's effect (e.g. /OutOfMemoryError/ for a memory limit below what the
   * app uses): chaos tasks whose essential container exits with matching evidence are then the
   * effect, listed under `ecs:` but not a failure of the verdict. Undefined: a crash fails the run.
   */
  readonly expectsCrash?: RegExp;
}

/** A role swapped by a fault: the original's and the chaos revision's (null: none). */
export interface RoleSwap {
  /** Which role of the task definition: `task role`, `execution role`. */
  readonly kind: string;
  readonly original: string | null;
  readonly chaos: string | null;
}

/** What an episode fault's `verifyEnd` gets: the engine's last look, and the residue it collects. */
export interface EpisodeEnd {
  /** The service as DescribeServices answered at the end (undefined: gone). */
  readonly service: Service | undefined;
  /** The last look at the service and its tasks. */
  readonly look: Look;
  /** The run's residue so far (markers, lease): the fault pushes what it left. */
  readonly items: ResidueItem[];
  /** Bounded by the restore timeout. */
  readonly signal: AbortSignal;
}

/**
 * A fault with a lifecycle of its own, changing no task definition: it stops tasks, or denies
 * permissions on the role the running tasks have. The engine runs preflight of the service (its
 * checks, the lease, the markers), the probes and stop conditions, opens the chaos window before
 * the first iteration, and calls `iteration` once per CHAOS_INTERVAL; it then reads the end state
 * and calls `verifyEnd`, decides the verdict and releases the lease.
 */
export interface EpisodeFault<Reads = unknown> extends FaultBase<Reads> {
  readonly kind: 'episode';
  /** What preflight predicts of the exposure: the tasks the fault reaches, the rounding stated. */
  predictExposure(service: Service, spec: ExperimentSpec): PredictedExposure;
  /**
   * One iteration: the change, the hold of `holdSeconds`, and the undo, the undo in a `finally`
   * (an abort, a stop condition or an error must never skip it). Records its mutations and effect
   * (`result.effect.swapped` = the change took effect, `chaosTasksRan` = tasks were reached) in
   * `ctx.record`; throws ChaosError for an outcome the verdict must name.
   */
  iteration(ctx: RunContext, state: IterationState, holdSeconds: number, signal: AbortSignal): Promise<void>;
  /**
   * The end: pushes what the fault left behind into `end.items` (each with its kind, resource and
   * how to repair it) and sets `result.effect.restored`.
   */
  verifyEnd(ctx: RunContext, end: EpisodeEnd): Promise<void>;
  /** A Pass verdict's reason: what took effect and how the service came back. */
  passReason(ctx: RunContext): string;
  /** `plan`'s calls of one iteration (the mutations and the waits), labelled `iteration n:`. */
  plannedCalls(
    spec: ExperimentSpec,
    pf: { readonly service: Service; readonly original: TaskDefinition },
    label: string,
    holdSeconds: number,
  ): readonly PlannedCall[];
}

/** Every fault the engine drives. */
export type Fault = TaskDefinitionFault | EpisodeFault;
