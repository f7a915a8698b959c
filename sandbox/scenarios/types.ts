/** What a scenario builds the sandbox's starting world with. */
import type { ImageRegistry } from '../ecs/registry.js';
import type { EcsStore } from '../ecs/store.js';
import type { TargetGroups } from '../ecs/targets.js';
import type { IamStore } from '../iam/store.js';
import type { AppProfiles } from '../workload/profile.js';
import type { WorkloadSpec } from '../workload/store.js';

export interface ScenarioContext {
  readonly accountId: string;
  readonly region: string;
  readonly iam: IamStore;
  readonly ecs: EcsStore;
  /** The OIDC provider's ARN, for roles that trust web identities. */
  readonly oidcProviderArn: string;
  /** The OIDC issuer's host and path, the prefix of its condition keys (`HOST:sub`). */
  readonly oidcHostPath: string;
  /** The scenario's start time; services created at it are settled before the sandbox opens. */
  readonly now: Date;
  /** Calls an ECS operation in-process as the administrator, with all of the API's validation. */
  readonly ecsCall: (action: string, input: Record<string, unknown>) => unknown;
  /** Calls a CloudWatch operation in-process as the administrator (PutMetricAlarm...). */
  readonly cloudwatchCall: (action: string, input: Record<string, unknown>) => unknown;
  /** Declares the simulated app a service's RUNNING tasks run, and when it crashes (see sandbox/workload). */
  readonly declareWorkload: (spec: WorkloadSpec) => void;
  /** The apps' memory use per container and SIGTERM handling, by task definition family. */
  readonly appProfiles: AppProfiles;
  /** The tags the account's private ECR repositories hold (undeclared repositories hold every tag). */
  readonly registry: ImageRegistry;
  /** Target groups' settings (deregistration delay, health check), for services with `loadBalancers`. */
  readonly targetGroups: TargetGroups;
}

export type Scenario = (ctx: ScenarioContext) => void;
