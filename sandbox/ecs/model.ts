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
  /** The names and images of the containers, from the task definition. */
  readonly containers: ReadonlyArray<{ name: string; image: string; containerArn: string }>;
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
  /** Increments on every change, as ECS's `version` does. */
  version: number;
  tags: Tag[];
}

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
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
  /** Epoch ms before which no new task is launched (backoff after failures). */
  nextLaunchAt: number;
  consecutiveFailures: number;
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
  readonly schedulingStrategy: 'REPLICA';
  readonly createdAt: Date;
  readonly createdBy: string;
  /** Input fields kept and returned as given (loadBalancers, placement, tags propagation...). */
  extra: Record<string, unknown>;
  deployments: Deployment[];
  events: ServiceEvent[];
  tags: Tag[];
  /** The task definition of the last deployment that completed: the circuit breaker's rollback target. */
  lastCompletedTaskDefinition: string | undefined;
  /** Epoch ms of the last "unable to place" event, to repeat it at most once a minute. */
  lastPlacementEventAt: number;
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
