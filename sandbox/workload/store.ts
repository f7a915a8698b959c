/**
 * The simulated workload: each RUNNING task of a service that declares one runs a small app making
 * its AWS calls once a second under the task's credentials (its task role; with none, the container
 * instance's role on EC2 and no credentials at all on Fargate), authorized by the policy evaluator.
 * Every call the app gets to send is recorded in CloudTrail as an event of the task's role session
 * (a data event or a management event, as CloudTrail classes the operation);
 * per service the store keeps request and error counters, a health verdict over the last seconds,
 * and their Prometheus text.
 */
import { randomUUID } from 'node:crypto';
import {
  accessDeniedMessage,
  callerPolicies,
  decide,
  requestConditionKeys,
  type RequiredPermission,
} from '../core/authorize.js';
import { isReadOnly, type RequestContext } from '../core/service.js';
import { eventCategoryOf } from '../cloudtrail/categories.js';
import type { TrailStore } from '../cloudtrail/store.js';
import type { Task } from '../ecs/model.js';
import type { EcsStore } from '../ecs/store.js';
import type { IamStore } from '../iam/store.js';
import { checkCrashPolicy, type CrashPolicy } from './crash.js';
import { callDetails, NO_CREDENTIALS_CODE, taskIdentity, type Identity } from './details.js';
import { prometheusText } from './metrics.js';
import { AppProfiles } from './profile.js';

export type { CrashPolicy } from './crash.js';
export { NO_CREDENTIALS_CODE } from './details.js';

/** One AWS call the app makes every second. */
export interface WorkloadCall {
  /** `service:Operation`, e.g. `s3:PutObject`. */
  readonly action: string;
  /** The resource ARN; `{id}` is replaced by a fresh id on each call. */
  readonly resource: string;
}

/** A service's workload, as a scenario declares it. */
export interface WorkloadSpec {
  readonly cluster: string;
  readonly service: string;
  /** @default the sandbox's region */
  readonly region?: string;
  readonly calls: readonly WorkloadCall[];
  /** When the app crashes; by default it never does (it keeps running and failing its calls). */
  readonly crash?: CrashPolicy;
}

/** A service's counters, for metrics and for CloudWatch. */
export interface WorkloadCounters {
  /** Calls made, by action. */
  readonly requests: Readonly<Record<string, number>>;
  /** Failed calls, by action and error code. */
  readonly errors: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly requestsTotal: number;
  readonly errorsTotal: number;
  /** RUNNING tasks by task definition (`family:revision`). */
  readonly tasksRunning: Readonly<Record<string, number>>;
}

/** A service's health over the last {@link HEALTH_WINDOW_MS}. */
export interface WorkloadHealth {
  readonly healthy: boolean;
  readonly cluster: string;
  readonly service: string;
  readonly tasksRunning: number;
  /** Calls in the window, and how many failed. */
  readonly calls: number;
  readonly failures: number;
  /** The most recent failing call of the window. */
  readonly failing?: {
    readonly action: string;
    readonly code: string;
    readonly message: string;
    readonly taskId: string;
  };
  readonly reason?: string;
}

/** How far back the health verdict looks. */
export const HEALTH_WINDOW_MS = 3_000;
/** The app's period: one round of calls per task per second. */
export const CALL_PERIOD_MS = 1_000;
/** Rounds a task may catch up in one tick; older ones are skipped. */
const MAX_ROUNDS_PER_TICK = 3;
/** Calls made in one tick, across every service. */
const MAX_CALLS_PER_TICK = 2_000;

interface Outcome {
  readonly time: number;
  readonly action: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly taskId: string;
}

interface TaskState {
  nextAt: number;
  identity: Identity;
  /** AccessDenied answers so far. */
  denied: number;
  /** The time of the task's last failed call, epoch ms. */
  lastFailureAt: number | undefined;
  /** The app has exited: it makes no more calls. */
  exited: boolean;
}

interface ServiceState {
  spec: WorkloadSpec;
  readonly region: string;
  readonly requests: Map<string, number>;
  readonly errors: Map<string, Map<string, number>>;
  recent: Outcome[];
  readonly tasks: Map<string, TaskState>;
  tasksRunning: Map<string, number>;
}

function key(cluster: string, service: string): string {
  return `${cluster}/${service}`;
}

function bump(map: Map<string, number>, k: string): void {
  map.set(k, (map.get(k) ?? 0) + 1);
}

/** The sandbox's simulated apps. */
export class WorkloadStore {
  readonly #iam: IamStore;
  readonly #ecs: EcsStore;
  readonly #trail: TrailStore | undefined;
  readonly #accountId: string;
  readonly #defaultRegion: string;
  readonly #services = new Map<string, ServiceState>();
  /** Every running app's state, by task ARN (for the health checks ECS runs against it). */
  readonly #tasks = new Map<string, TaskState>();
  readonly #onExit: ((task: Task, exitCode: number, atMs: number) => void) | undefined;
  /** Each family's memory use per container and SIGTERM handling (profile.ts). */
  readonly profiles = new AppProfiles();

  constructor(options: {
    readonly iam: IamStore;
    readonly ecs: EcsStore;
    readonly trail?: TrailStore;
    readonly accountId: string;
    readonly region: string;
    /** Called when a task's app exits (its crash policy): ECS stops the task. */
    readonly onExit?: (task: Task, exitCode: number, atMs: number) => void;
  }) {
    this.#iam = options.iam;
    this.#ecs = options.ecs;
    this.#trail = options.trail;
    this.#accountId = options.accountId;
    this.#defaultRegion = options.region;
    this.#onExit = options.onExit;
  }

  /** Declares (or replaces) a service's workload. Throws on an invalid crash policy. */
  declare(spec: WorkloadSpec): void {
    if (spec.crash) checkCrashPolicy(spec.crash);
    // A workload declared again starts afresh: its tasks' apps too.
    for (const arn of this.#services.get(key(spec.cluster, spec.service))?.tasks.keys() ?? []) this.#tasks.delete(arn);
    this.#services.set(key(spec.cluster, spec.service), {
      spec,
      region: spec.region ?? this.#defaultRegion,
      requests: new Map(),
      errors: new Map(),
      recent: [],
      tasks: new Map(),
      tasksRunning: new Map(),
    });
  }

  /**
   * Makes a service's app crash (its essential container exits) under the given conditions, or
   * never with `undefined`. Applies to its running tasks at once. Throws when the service declares
   * no workload or the policy is invalid.
   */
  setCrash(cluster: string, service: string, policy: CrashPolicy | undefined): void {
    const state = this.#services.get(key(cluster, service));
    if (!state) throw new Error(`no workload for ${cluster}/${service}`);
    if (policy) checkCrashPolicy(policy);
    const { crash: _previous, ...rest } = state.spec;
    state.spec = policy ? { ...rest, crash: policy } : rest;
  }

  /** Sets the memory (MiB) a family's container uses once running; above its limit it is OOM-killed. */
  setMemory(family: string, container: string, mib: number | undefined): void {
    this.profiles.setMemory(family, container, mib);
  }

  /** Sets how long (AWS seconds, Infinity: until SIGKILL) a family's app keeps running after SIGTERM. */
  setSigtermSeconds(family: string, seconds: number | undefined): void {
    this.profiles.setSigtermSeconds(family, seconds);
  }

  /**
   * Whether a task's app answers its health checks: none of its calls failed in the last
   * {@link HEALTH_WINDOW_MS}. An app of a service without a workload is always healthy.
   */
  taskHealthy(taskArn: string, nowMs: number): boolean {
    const state = this.#tasks.get(taskArn);
    if (!state) return true;
    return state.lastFailureAt === undefined || nowMs - state.lastFailureAt > HEALTH_WINDOW_MS;
  }

  /** The declared workloads. */
  specs(): WorkloadSpec[] {
    return [...this.#services.values()].map((s) => s.spec);
  }

  /** Runs the apps' calls due up to `nowMs` (at most a few rounds per task). */
  tick(nowMs: number): void {
    let budget = MAX_CALLS_PER_TICK;
    for (const state of this.#services.values()) {
      const cluster = this.#ecs.region(state.region).clusters.get(state.spec.cluster);
      const service = cluster?.services.get(state.spec.service);
      // The app is the code of the service's task definition family: every RUNNING task of that
      // family in the cluster runs it (another revision, a sibling service, a standalone task), and
      // counts under the service's name, as an app configured with its service name reports.
      const family = service ? familyOf(service.taskDefinition) : undefined;
      const running =
        cluster && service
          ? [...cluster.tasks.values()].filter(
              (t) =>
                t.lastStatus === 'RUNNING' &&
                (t.serviceArn === service.serviceArn || familyOf(t.taskDefinitionArn) === family),
            )
          : [];
      const alive = new Set(running.map((t) => t.taskArn));
      for (const arn of state.tasks.keys()) {
        if (alive.has(arn)) continue;
        state.tasks.delete(arn);
        this.#tasks.delete(arn);
      }
      const byDefinition = new Map<string, number>();
      for (const task of running)
        bump(byDefinition, task.taskDefinitionArn.slice(task.taskDefinitionArn.lastIndexOf('/') + 1));
      state.tasksRunning = byDefinition;
      for (const task of running) {
        let taskState = state.tasks.get(task.taskArn);
        if (!taskState) {
          taskState = {
            nextAt: nowMs,
            identity: taskIdentity(
              { iam: this.#iam, ecs: this.#ecs, accountId: this.#accountId, defaultRegion: this.#defaultRegion },
              cluster!,
              task,
            ),
            denied: 0,
            lastFailureAt: undefined,
            exited: false,
          };
          state.tasks.set(task.taskArn, taskState);
          this.#tasks.set(task.taskArn, taskState);
        }
        for (
          let round = 0;
          taskState.nextAt <= nowMs && round < MAX_ROUNDS_PER_TICK && budget > 0 && !taskState.exited;
          round++
        ) {
          for (const call of state.spec.calls) {
            this.#call(state, task, taskState, call, taskState.nextAt);
            budget--;
            if (taskState.exited) break;
          }
          taskState.nextAt += CALL_PERIOD_MS;
        }
        if (taskState.nextAt <= nowMs - CALL_PERIOD_MS) taskState.nextAt = nowMs + CALL_PERIOD_MS;
      }
      state.recent = state.recent.filter((o) => o.time > nowMs - HEALTH_WINDOW_MS);
    }
  }

  #call(state: ServiceState, task: Task, taskState: TaskState, call: WorkloadCall, time: number): void {
    const identity = taskState.identity;
    const resource = call.resource.replaceAll('{id}', randomUUID());
    bump(state.requests, call.action);
    let code: string | undefined;
    let message = '';
    if ('error' in identity) {
      ({ code, message } = identity.error);
    } else {
      const [service = '', operation = ''] = call.action.split(':');
      const ctx: RequestContext = {
        requestId: randomUUID(),
        service,
        action: operation,
        region: state.region,
        principal: identity.principal,
        accessKeyId: identity.accessKeyId,
        now: new Date(time),
        sourceIp: task.eni?.privateIp ?? '10.0.0.10',
        userAgent: 'aws-sdk-js/3 ecs-chaos-workload',
      };
      const permission: RequiredPermission = { action: call.action, resource };
      const result = decide(callerPolicies(this.#iam, identity.principal, time), {
        action: permission.action,
        resource: permission.resource,
        context: requestConditionKeys(this.#iam, ctx) as never,
      });
      if (result.decision !== 'Allow') {
        code = 'AccessDenied';
        message = accessDeniedMessage(identity.principal.arn, permission, result);
      }
      const details = callDetails(call.action, resource, this.#accountId);
      this.#trail?.record({
        time: ctx.now,
        service,
        action: operation,
        region: state.region,
        accountId: this.#accountId,
        principal: identity.principal,
        accessKeyId: identity.accessKeyId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        requestParameters: details.parameters,
        errorCode: code ?? null,
        errorMessage: code ? message : null,
        requestId: ctx.requestId,
        resources: details.resources,
        readOnly: isReadOnly(operation),
        // S3 objects, DynamoDB items, SQS messages... are data events: never in LookupEvents.
        eventCategory: eventCategoryOf(service, operation),
      });
    }
    if (code !== undefined) {
      let byCode = state.errors.get(call.action);
      if (!byCode) state.errors.set(call.action, (byCode = new Map<string, number>()));
      bump(byCode, code);
    }
    state.recent.push({ time, action: call.action, code, message, taskId: task.id });
    if (code === undefined) return;
    taskState.lastFailureAt = time;
    if (code === 'AccessDenied') taskState.denied++;
    const crash = state.spec.crash;
    const exits =
      crash !== undefined &&
      ((crash.withoutCredentials === true && code === NO_CREDENTIALS_CODE) ||
        (crash.afterAccessDenied !== undefined && taskState.denied >= crash.afterAccessDenied));
    if (exits) {
      taskState.exited = true;
      this.#onExit?.(task, crash.exitCode ?? 1, time);
    }
  }

  /** A service's counters; undefined when it declares no workload. */
  counters(cluster: string, service: string): WorkloadCounters | undefined {
    const state = this.#services.get(key(cluster, service));
    if (!state) return undefined;
    const requests = Object.fromEntries(state.requests);
    const errors = Object.fromEntries([...state.errors].map(([a, m]) => [a, Object.fromEntries(m)]));
    const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
    return {
      requests,
      errors,
      requestsTotal: sum(state.requests.values()),
      errorsTotal: sum([...state.errors.values()].flatMap((m) => [...m.values()])),
      tasksRunning: Object.fromEntries(state.tasksRunning),
    };
  }

  /** A service's health: every call of the last seconds succeeded, with tasks running. Undefined when it declares no workload. */
  health(cluster: string, service: string): WorkloadHealth | undefined {
    const state = this.#services.get(key(cluster, service));
    if (!state) return undefined;
    const tasksRunning = [...state.tasksRunning.values()].reduce((a, b) => a + b, 0);
    const failed = state.recent.filter((o) => o.code !== undefined);
    const last = failed[failed.length - 1];
    const base = { cluster, service, tasksRunning, calls: state.recent.length, failures: failed.length };
    if (last) {
      return {
        healthy: false,
        ...base,
        failing: { action: last.action, code: last.code!, message: last.message, taskId: last.taskId },
        reason: `${last.action} failed with ${last.code}: ${last.message}`,
      };
    }
    if (tasksRunning === 0) return { healthy: false, ...base, reason: 'no task is running' };
    return { healthy: true, ...base };
  }

  /** A service's counters in the Prometheus text format. Undefined when it declares no workload. */
  metrics(cluster: string, service: string): string | undefined {
    const counters = this.counters(cluster, service);
    return counters ? prometheusText(service, counters) : undefined;
  }
}

/** `orders` from `arn:aws:ecs:...:task-definition/orders:3`. */
function familyOf(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name.slice(0, name.lastIndexOf(':'));
}
