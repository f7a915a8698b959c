/** The state of the sandbox's ECS: clusters, task definitions, services, deployments, tasks. */

export interface Tag {
  key: string;
  value: string;
}

export interface ServiceEvent {
  id: string;
  createdAt: Date;
  message: string;
}

/** A registered task definition revision, as DescribeTaskDefinition returns it. */
export interface TaskDefinitionRecord {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  /** The AWS-shaped object (every accepted field plus the read-only ones). */
  readonly def: Record<string, unknown>;
  tags: Tag[];
}

export interface ContainerInstance {
  readonly containerInstanceArn: string;
  readonly ec2InstanceId: string;
  /** The instance profile's role: the credentials of code that finds no task role on EC2. */
  readonly instanceRoleArn: string | undefined;
  readonly cpu: number;
  readonly memory: number;
  readonly registeredAt: Date;
  readonly availabilityZone: string;
  tags: Tag[];
}

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'STOPPED';

/** A task's or a container's health, as DescribeTasks reports it. */
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** A container health check as the container runs it: Docker's HEALTHCHECK semantics, ECS's defaults, scaled. */
export interface ContainerCheck {
  readonly container: string;
  /** Only essential containers decide the task's health. */
  readonly essential: boolean;
  readonly intervalMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
  status: HealthStatus;
  /** When the next check runs, epoch ms. */
  nextAt: number;
  /** Consecutive failed checks that counted (outside the start period). */
  failures: number;
}

/** The state of a task's target in a target group, as ELB reports it. */
export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

/** A task registered in a target group of its service. */
export interface Target {
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
  state: TargetState;
  /** When the load balancer checks it next, epoch ms. */
  nextAt: number;
  /** Consecutive passed and failed checks. */
  successes: number;
  failures: number;
}

/** What ECS tracks of a RUNNING task's health (see health.ts). */
export interface TaskHealth {
  /** When the task reached RUNNING, epoch ms. */
  readonly runningAt: number;
  readonly checks: ContainerCheck[];
  readonly targets: Target[];
  /** When the scheduler first counted the task as healthy, epoch ms. */
  healthyAt?: number;
  /** Why the scheduler replaces it, once a health check failed past the grace period. */
  failing?: { readonly stoppedReason: string };
}

/** A container that stopped on its own or could not start: its exit code or its reason. */
export interface ContainerFailure {
  readonly name: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

/** A load balancer target of a service: a target group, and the container and port it sends to. */
export interface LoadBalancerTarget {
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
}

export interface Task {
  readonly taskArn: string;
  readonly id: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly group: string;
  readonly startedBy: string | undefined;
  readonly launchType: 'FARGATE' | 'EC2';
  readonly cpu: string | undefined;
  readonly memory: string | undefined;
  readonly containerInstanceArn: string | undefined;
  readonly availabilityZone: string;
  readonly createdAt: Date;
  /** The names, images and essential flags of the containers, from the task definition. */
  readonly containers: ReadonlyArray<{ name: string; image: string; containerArn: string; essential: boolean }>;
  /** CPU units and MiB the task reserves on its container instance. */
  readonly reserved: { readonly cpu: number; readonly memory: number };
  readonly eni: { id: string; subnetId: string; privateIp: string } | undefined;
  /** The service this task belongs to, if any (by ARN). */
  readonly serviceArn: string | undefined;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  /** When the task enters its next state, epoch ms. */
  nextAt: number;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  startedAt?: Date;
  connectivityAt?: Date;
  stoppingAt?: Date;
  executionStoppedAt?: Date;
  stoppedAt?: Date;
  stopCode?: string;
  stoppedReason?: string;
  /** Health checks and load balancer targets, from RUNNING on. */
  health?: TaskHealth;
  /** The container whose exit or failure stopped the task. */
  failedContainer?: ContainerFailure;
  /** A container ordering dependency that ran out of its startTimeout: the task fails when it is due. */
  dependencyFailure?: { readonly target: string; readonly reason: string };
  /** Containers still running at their stopTimeout, killed by SIGKILL (exit code 137). */
  killedAtStop?: readonly string[];
  /** Increments on every change, as ECS's `version` does. */
  version: number;
  tags: Tag[];
}

/** CloudWatch alarms that fail a deployment (DeploymentAlarms). */
export interface DeploymentAlarms {
  readonly alarmNames: string[];
  readonly enable: boolean;
  readonly rollback: boolean;
}

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  /** Returned only once set, as given. */
  alarms?: DeploymentAlarms;
}

export interface Deployment {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  readonly createdAt: Date;
  updatedAt: Date;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  readonly launchType: 'FARGATE' | 'EC2';
  readonly networkConfiguration: unknown;
  /** The target groups its tasks register in. */
  readonly loadBalancers: readonly LoadBalancerTarget[];
  /** Epoch ms before which no new task is launched (backoff after failures). */
  nextLaunchAt: number;
  /** Tasks that failed to reach RUNNING in a row (the service throttle logic). */
  consecutiveFailures: number;
  /** Whether "unable to consistently start tasks" was said for the current run of failures. */
  throttled: boolean;
  /** With deployment alarms: when the bake time after the steady state ends, epoch ms. */
  bakeUntil?: number;
}

export interface Service {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  readonly launchType: 'FARGATE' | 'EC2';
  taskDefinition: string;
  deploymentConfiguration: DeploymentConfiguration;
  readonly deploymentController: { type: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL' };
  networkConfiguration: unknown;
  readonly schedulingStrategy: 'REPLICA' | 'DAEMON';
  readonly createdAt: Date;
  readonly createdBy: string;
  /** Input fields kept and returned as given (loadBalancers, placement, tags propagation...). */
  extra: Record<string, unknown>;
  deployments: Deployment[];
  events: ServiceEvent[];
  tags: Tag[];
  /** The task definition of the last deployment that completed: the rollback target. */
  lastCompletedTaskDefinition: string | undefined;
  /** The id of the last deployment that completed. */
  lastCompletedDeploymentId: string | undefined;
  /** Epoch ms of the last "unable to place" event, to repeat it at most once a minute. */
  lastPlacementEventAt: number;
  /** The client token of the CreateService that made it: a retry with the same token is answered, not refused. */
  readonly clientToken?: string;
}

export interface Cluster {
  readonly clusterArn: string;
  readonly clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  readonly settings: Array<{ name: string; value: string }>;
  tags: Tag[];
  readonly services: Map<string, Service>;
  readonly tasks: Map<string, Task>;
  readonly containerInstances: Map<string, ContainerInstance>;
}
