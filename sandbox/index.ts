/**
 * The ecs-chaos sandbox: a local AWS-compatible endpoint on loopback speaking ECS (JSON 1.1), IAM
 * and STS (query/XML) as the pinned AWS SDK v3 clients send them. It models behaviour, not strings:
 * tasks move through their states on a clock, rolling deployments honour the deployment
 * configuration and count a task only once ECS would deem it healthy (40 s after RUNNING, container
 * health checks, target health), stopping tasks drain for their target groups' deregistration
 * delay, deployment alarms and the circuit breaker fail and roll back deployments, roles that do not
 * trust ECS tasks and unpullable images make tasks fail to start, apps can crash. AWS's delays are
 * scaled by the pace (`fast`: 1/500, `realistic`: 1/20). Faults (latency,
 * throttling, 5xx answers, dropped and hung connections) can be injected per operation, at start
 * (`faults`) and at run time (`sandbox.faults`, or `/_sandbox/faults`). Every call is authorized for
 * its caller by IAM's rules (`authorization: 'off'` lets any known caller call anything).
 *
 * @example
 * const sandbox = await startSandbox({ scenario: 'demo' });
 * const ecs = new ECSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.credentials });
 * await sandbox.close();
 */
import type { AddressInfo } from 'node:net';
import { CloudWatchStore } from './cloudwatch/store.js';
import { WorkloadPublisher } from './workload/publish.js';
import { createCloudWatchService } from './cloudwatch/service.js';
import { createAuthorizer, type AuthorizationMode } from './core/authorize.js';
import { AwsError } from './core/errors.js';
import { FaultInjector, faultRulesFromJson, type FaultRule } from './core/faults.js';
import { AWS_SECONDS, awsDelayMs, resolvePace, type PaceOption, type PaceTimings } from './core/clock.js';
import type { AlarmReader } from './ecs/rollout.js';
import { TARGET_GROUP_DEFAULTS, TargetGroups, type TargetGroupSettings } from './ecs/targets.js';
import { ACCOUNT_ID, KeyStore } from './core/identity.js';
import { OidcIssuer } from './core/oidc.js';
import { RequestLog, type RequestLogEntry } from './core/requestlog.js';
import { createFront, type AdminRoute, type Interceptor } from './core/server.js';
import type { RequestContext } from './core/service.js';
import { Scheduler } from './ecs/scheduler.js';
import { executionFailure } from './ecs/execution.js';
import { ImageRegistry } from './ecs/registry.js';
import { roleAuthorizer } from './core/role-session.js';
import { familyOfArn } from './workload/profile.js';
import { createEcsService } from './ecs/service.js';
import { createElbService } from './elb/service.js';
import { addServiceMembers, addTaskDefinitionMembers } from './ecs/taskdef-api.js';
import { EcsStore } from './ecs/store.js';
import { createIamService } from './iam/service.js';
import { IamStore } from './iam/store.js';
import { demoScenario } from './scenarios/demo.js';
import { emptyScenario } from './scenarios/empty.js';
import type { Scenario } from './scenarios/types.js';
import { createStsService } from './sts/service.js';
import { createCloudTrailService, recordAnsweredCall } from './cloudtrail/service.js';
import { TrailStore } from './cloudtrail/store.js';
import { workloadRoutes } from './workload/routes.js';
import { WorkloadStore } from './workload/store.js';

export type { AuthorizationMode } from './core/authorize.js';
export {
  AWS_SECONDS,
  awsDelayMs,
  ManualClock,
  PACES,
  type PaceName,
  type PaceOption,
  type PaceTimings,
} from './core/clock.js';
export { TARGET_GROUP_DEFAULTS, TargetGroups, type TargetGroupSettings } from './ecs/targets.js';
export type { CrashPolicy, WorkloadSpec } from './workload/store.js';
export type { RequestFault, RequestLogEntry } from './core/requestlog.js';
export { AwsError } from './core/errors.js';
export {
  DEFAULT_HANG_MS,
  FAULT_KINDS,
  FAULT_SERVICES,
  FaultInjector,
  FaultRuleError,
  formatFaultRule,
  MAX_FAULT_MS,
  MAX_FAULT_SEED,
  parseFaultRule,
  validateFaultRule,
  type FaultInjectorOptions,
  type FaultKind,
  type FaultPhase,
  type FaultRule,
  type FaultRuleInfo,
  type FaultSnapshot,
  type FaultStats,
  type ResolvedFaultRule,
} from './core/faults.js';

/** The scenarios the sandbox can start with. */
export const SCENARIOS = { demo: demoScenario, empty: emptyScenario } as const satisfies Record<string, Scenario>;
export type ScenarioName = keyof typeof SCENARIOS;

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The starting world. @default 'empty' */
  readonly scenario?: ScenarioName;
  /** How fast tasks move: `fast` (a rollout in about a second), `realistic`, or explicit timings. @default 'fast' */
  readonly pace?: PaceOption;
  /** Added latency of every AWS call, in milliseconds (for benchmarks). @default 0 */
  readonly latencyMs?: number;
  /** The region unsigned calls and the scenario use. @default 'us-east-1' */
  readonly region?: string;
  /** The clock, epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /**
   * Fault rules to start with, as objects or in the text syntax of `--fault`
   * (e.g. `ecs:UpdateService=throttle@0.3`). A rule that is invalid or matches no operation makes
   * `startSandbox` throw a `FaultRuleError` whose `index` is the rule's position.
   */
  readonly faults?: readonly (FaultRule | string)[];
  /** The seed of the fault injection's randomness (0 to 4294967295). @default random, see `sandbox.faults.seed` */
  readonly faultSeed?: number;
  /**
   * `enforce`: every AWS call is authorized for its caller by its policies (identity policies,
   * session policies, permissions boundary), `iam:PassRole` included, as AWS does; `off`: any
   * known caller may call anything (signatures are still checked). @default 'enforce'
   */
  readonly authorization?: AuthorizationMode;
  /**
   * Settings of target groups services name in `loadBalancers` (ELB v2 answers DescribeTargetHealth only), by
   * target group ARN: `deregistrationDelaySeconds`, `healthyThresholdCount`,
   * `unhealthyThresholdCount`, `intervalSeconds`, in seconds on AWS (scaled by the pace). Others
   * have ELB's defaults (300, 5, 2, 30).
   */
  readonly targetGroups?: Readonly<Record<string, Partial<TargetGroupSettings>>>;
  /**
   * CloudTrail's LookupEvents rate limit, requests per wall-clock second per account and region
   * (AWS: 2; more answer ThrottlingException); 0 lifts it. @default 2
   */
  readonly cloudtrailLookupsPerSecond?: number;
  /**
   * ECS's eventual consistency: for `lagMs` (wall-clock, default 1000) after a write, DescribeServices
   * shows the service as it was before, and ListTaskDefinitions / ListTasks leave out what is newer.
   * The mutations' own answers stay current. @default false (reads are consistent)
   */
  readonly eventualConsistency?: boolean | { readonly lagMs?: number };
  /**
   * How long a change to a role's inline or attached policies takes to reach the calls the
   * workload makes with the role's credentials, in seconds on AWS (scaled by the pace); IAM's API
   * answers with the change at once. Also `sandbox.world.iam.propagationMs` at run time.
   * @default 5 (AWS_SECONDS.iamPropagation)
   */
  readonly iamPropagationSeconds?: number;
}

/** The sandbox's parts, for tests that look inside. */
export interface SandboxWorld {
  readonly accountId: string;
  readonly keys: KeyStore;
  readonly iam: IamStore;
  readonly ecs: EcsStore;
  /** CloudWatch's metrics and alarms (alarms evaluate on the sandbox clock). */
  readonly cloudwatch: CloudWatchStore;
  readonly oidc: OidcIssuer;
  readonly log: RequestLog;
  readonly pace: PaceTimings;
  /** Interceptors run before every AWS call (after the `before` faults); tests may add their own here. */
  readonly interceptors: Interceptor[];
  /** The fault injector (the same as {@link Sandbox.faults}). */
  readonly faults: FaultInjector;
  /** CloudTrail's event history: the management calls answered and the workload's calls. */
  readonly trail: TrailStore;
  /** The simulated apps of the services that declare a workload, with their counters and crash policies. */
  readonly workload: WorkloadStore;
  /** Target groups' health check and deregistration settings (`configure(arn, settings)`). */
  readonly targetGroups: TargetGroups;
  /** The tags the account's private ECR repositories hold (`setTags(repository, tags)`; undeclared: every tag). */
  readonly registry: ImageRegistry;
}

/** A running sandbox. */
export interface Sandbox {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** The administrator's credentials (`test` / `test`). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly world: SandboxWorld;
  /** Fault injection: add and remove rules at run time, read the statistics and the seed. */
  readonly faults: FaultInjector;
  /** Issues an OIDC token the sandbox's STS accepts for AssumeRoleWithWebIdentity. */
  issueWebIdentityToken(options: { sub: string; aud?: string; expiresInSeconds?: number }): string;
  /** The AWS calls answered so far (after sequence number `since`). */
  requests(since?: number): RequestLogEntry[];
  /** Stops the clock and the server. */
  close(): Promise<void>;
}

/** How far back the scenario's world starts, so its services are settled when the sandbox opens. */
const HISTORY_MS = 60_000;
/** At most this many steps of the pace's tick are replayed when the clock jumps. */
const MAX_CATCH_UP_STEPS = 10_000;

/** Starts the sandbox on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const pace = resolvePace(options.pace);
  const region = options.region ?? 'us-east-1';
  const clock = options.now ?? Date.now;
  const keys = new KeyStore();
  const log = new RequestLog();
  const iam = new IamStore({
    accountId: ACCOUNT_ID,
    keys,
    now: clock,
    propagationMs: awsDelayMs(pace, options.iamPropagationSeconds ?? AWS_SECONDS.iamPropagation),
  });
  const ecs = new EcsStore(ACCOUNT_ID);
  const cloudwatch = new CloudWatchStore(ACCOUNT_ID);
  const oidc = new OidcIssuer({ now: clock });
  const trail = new TrailStore();
  const targetGroups = new TargetGroups();
  for (const [arn, settings] of Object.entries(options.targetGroups ?? {})) targetGroups.configure(arn, settings);
  const workload = new WorkloadStore({
    iam,
    ecs,
    trail,
    accountId: ACCOUNT_ID,
    region,
    // The app's essential container exited: ECS stops the task.
    onExit: (task, exitCode, atMs) =>
      scheduler.containerExited(ecs.region(task.taskArn.split(':')[3] ?? region), task, atMs, exitCode),
  });
  // The sandbox's OIDC issuer is registered in the account, as an EKS cluster's would be for IRSA.
  iam.addOidcProvider(oidc.issuer, ['sts.amazonaws.com']);
  const alarms: AlarmReader = {
    state: (alarmRegion, name) => cloudwatch.getAlarm(alarmRegion, name)?.StateValue,
    bakeMs: (alarmRegion, names) =>
      names.reduce((longest, name) => {
        const alarm = cloudwatch.getAlarm(alarmRegion, name);
        return Math.max(longest, alarm ? alarm.Period * alarm.EvaluationPeriods * 1000 : 0);
      }, 0),
  };
  const executionAuthorizer = roleAuthorizer(iam, ACCOUNT_ID, clock);
  const registry = new ImageRegistry();
  const scheduler = new Scheduler({
    pace,
    targetGroups,
    alarms,
    appHealthy: (task, nowMs) => workload.taskHealthy(task.taskArn, nowMs),
    app: {
      sigtermSeconds: (task) => workload.profiles.sigtermSeconds(familyOfArn(task.taskDefinitionArn)),
      memoryUse: (task, container) => workload.profiles.memory(familyOfArn(task.taskDefinitionArn), container),
    },
    execution: (def, task, cluster) =>
      executionFailure(def, task, cluster, executionAuthorizer, (repository, reference) =>
        registry.has(repository, reference),
      ),
    trust: {
      ecsTasksCanAssume: (roleArn, taskArn) => {
        const role = iam.getRoleByArn(roleArn);
        // ECS passes the task's account and ARN, the keys AWS recommends trust policies to check.
        const account = taskArn.split(':')[4] ?? '';
        return (
          role !== undefined &&
          iam.trustsService(role, 'ecs-tasks.amazonaws.com', { 'aws:SourceAccount': account, 'aws:SourceArn': taskArn })
        );
      },
    },
  });
  const publisher = new WorkloadPublisher({ workload, cloudwatch, region });
  /** Moves the whole world (ECS, the apps, their metrics, CloudWatch's alarms) to `t`. */
  const tickAll = (t: number): void => {
    for (const r of ecs.regions()) scheduler.tick(r, t);
    workload.tick(t);
    publisher.tick(t);
    cloudwatch.tick(t);
  };
  // The world moves in steps of the pace's tick, whatever the time between two calls, so a clock
  // that jumps (a test's, or a busy event loop) sees every state a steady one would.
  let tickedUntil = 0;
  /** While the scenario builds the world in the past, requests do not move it to now. */
  let building = true;
  const catchUp = (): void => {
    if (building) return;
    const now = clock();
    if (now > tickedUntil) {
      const first = Math.max(tickedUntil + pace.tickMs, now - MAX_CATCH_UP_STEPS * pace.tickMs);
      for (let t = first; t < now; t += pace.tickMs) tickAll(t);
      tickedUntil = now;
    }
    tickAll(now);
  };
  const consistency = options.eventualConsistency;
  const ecsService = createEcsService({
    ecs,
    scheduler,
    catchUp,
    ...(consistency && { consistency: consistency === true ? {} : consistency }),
  });
  const services = [
    ecsService,
    createIamService({ iam, keys, now: clock }),
    createStsService({ iam, keys, oidc, now: clock }),
    createCloudTrailService({
      trail,
      accountId: ACCOUNT_ID,
      ...(options.cloudtrailLookupsPerSecond !== undefined && { lookupsPerSecond: options.cloudtrailLookupsPerSecond }),
    }),
    createCloudWatchService({ cloudwatch, catchUp }),
    createElbService({ ecs, targetGroups, catchUp }),
  ];
  const faults = new FaultInjector({
    ...(options.faultSeed === undefined ? {} : { seed: options.faultSeed }),
    ...(options.faults ? { rules: options.faults } : {}),
    operations: Object.fromEntries(services.map((s) => [s.name, Object.keys(s.handlers)])),
  });
  const interceptors: Interceptor[] = [];
  if (options.latencyMs && options.latencyMs > 0) {
    const latency = options.latencyMs;
    interceptors.push(() => new Promise((resolve) => setTimeout(resolve, latency)));
  }

  // Build the starting world in the past and let the scheduler settle it up to now.
  const start = clock() - HISTORY_MS;
  const admin = keys.get('test')?.principal;
  /** Calls a service's operation in-process as the administrator, with all of the API's validation. */
  const inProcess =
    (service: (typeof services)[number]) =>
    (action: string, input: Record<string, unknown>): unknown => {
      const handler = service.handlers[action];
      if (!handler) throw new Error(`no ${service.name} operation ${action}`);
      const ctx: RequestContext = {
        requestId: 'scenario',
        service: service.name,
        action,
        region,
        principal: admin,
        accessKeyId: 'test',
        now: new Date(start),
        sourceIp: '127.0.0.1',
        userAgent: 'ecs-chaos-sandbox/scenario',
      };
      // ECS and CloudWatch are JSON protocols: their handlers take the parsed body.
      return (handler as (body: Record<string, unknown>, context: RequestContext) => unknown)(input, ctx);
    };
  const scenario = SCENARIOS[options.scenario ?? 'empty'];
  if (!scenario) throw new Error(`unknown scenario '${String(options.scenario)}': use demo or empty`);
  scenario({
    accountId: ACCOUNT_ID,
    region,
    iam,
    ecs,
    oidcProviderArn: oidc.providerArn(ACCOUNT_ID),
    oidcHostPath: oidc.hostPath,
    now: new Date(start),
    declareWorkload: (spec) => workload.declare(spec),
    appProfiles: workload.profiles,
    registry,
    targetGroups,
    ecsCall: inProcess(ecsService),
    cloudwatchCall: inProcess(services.find((s) => s.name === 'monitoring')!),
  });
  // The scenario's roles had their policies long before the apps' first calls.
  iam.propagateAll();
  // The scenario's world settles from its start up to now, then moves with the clock.
  const step = Math.max(pace.tickMs, 50);
  for (tickedUntil = start; tickedUntil + step < clock(); tickedUntil += step) {
    for (const r of ecs.regions()) scheduler.tick(r, tickedUntil);
  }
  building = false;
  catchUp();

  const adminRoutes = new Map<string, AdminRoute>([
    ['GET /health', () => ({ ok: true, region, accountId: ACCOUNT_ID })],
    ['GET /requests', (_body, url) => ({ requests: log.since(Number(url.searchParams.get('since') ?? 0)) })],
    [
      'POST /oidc/token',
      (body) => {
        const { sub, aud, expiresInSeconds } = (body ?? {}) as {
          sub?: string;
          aud?: string;
          expiresInSeconds?: number;
        };
        if (typeof sub !== 'string' || sub === '') throw new Error('sub is required');
        return { token: oidc.issueToken({ sub, aud, expiresInSeconds }) };
      },
    ],
    ['GET /oidc/jwks', () => oidc.jwks()],
    [
      'POST /services/members',
      (body) => {
        const { cluster, service, members } = (body ?? {}) as {
          cluster?: unknown;
          service?: unknown;
          members?: Record<string, unknown>;
        };
        if (typeof cluster !== 'string' || typeof service !== 'string')
          throw new Error('cluster and service (names or ARNs) are required');
        return { members: addServiceMembers(ecs.region(region), cluster, service, members ?? {}) };
      },
    ],
    [
      'POST /task-definitions/members',
      (body) => {
        const { taskDefinition, members, containerMembers } = (body ?? {}) as {
          taskDefinition?: unknown;
          members?: Record<string, unknown>;
          containerMembers?: Record<string, unknown>;
        };
        if (typeof taskDefinition !== 'string')
          throw new Error('taskDefinition (an ARN or family:revision) is required');
        return {
          taskDefinition: addTaskDefinitionMembers(ecs.region(region), taskDefinition, members ?? {}, containerMembers),
        };
      },
    ],
    [
      'POST /credentials/expire',
      (body) => {
        const { accessKeyId, roleArn } = (body ?? {}) as { accessKeyId?: unknown; roleArn?: unknown };
        if (typeof accessKeyId !== 'string' && typeof roleArn !== 'string')
          throw new Error('accessKeyId or roleArn is required');
        return {
          expired: keys.expire(
            {
              ...(typeof accessKeyId === 'string' ? { accessKeyId } : {}),
              ...(typeof roleArn === 'string' ? { roleArn } : {}),
            },
            clock(),
          ),
        };
      },
    ],
    ...workloadRoutes(workload, catchUp),
    ['GET /target-groups', () => ({ defaults: TARGET_GROUP_DEFAULTS, targetGroups: targetGroups.list() })],
    [
      'POST /target-groups',
      (body) => {
        const { targetGroupArn, ...settings } = (body ?? {}) as { targetGroupArn?: unknown } & Record<string, unknown>;
        if (typeof targetGroupArn !== 'string') throw new Error('targetGroupArn is required');
        return { targetGroupArn, ...targetGroups.configure(targetGroupArn, settings) };
      },
    ],
    ['GET /faults', () => faults.snapshot()],
    ['POST /faults', (body) => ({ ids: faults.addAll(faultRulesFromJson(body)) })],
    ['DELETE /faults', () => ({ removed: faults.clear() })],
    [
      'DELETE /faults/*',
      (_body, url) => {
        const id = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
        if (!faults.remove(id)) throw new AwsError('NotFound', `no fault rule '${id}'`, 404);
        return { removed: 1 };
      },
    ],
  ]);

  const server = createFront({
    services,
    keys,
    log,
    interceptors,
    faults,
    adminRoutes,
    now: clock,
    defaultRegion: region,
    authorize: createAuthorizer({ iam, ecs, mode: options.authorization ?? 'enforce' }),
    onAnswered: (call) => recordAnsweredCall(trail, ACCOUNT_ID, call),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const timer = setInterval(catchUp, pace.tickMs);
  timer.unref();
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    accountId: ACCOUNT_ID,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    world: {
      accountId: ACCOUNT_ID,
      keys,
      iam,
      ecs,
      cloudwatch,
      oidc,
      log,
      pace,
      interceptors,
      faults,
      trail,
      workload,
      targetGroups,
      registry,
    },
    faults,
    issueWebIdentityToken: (o) => oidc.issueToken(o),
    requests: (since = 0) => log.since(since),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
