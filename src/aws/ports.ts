/**
 * The narrow ports through which ecs-chaos talks to AWS. They list exactly the calls the tool
 * makes: they are its API surface on AWS and the source of the least-privilege runner policy.
 */
import type {
  DeregisterTaskDefinitionCommandInput,
  DeregisterTaskDefinitionCommandOutput,
  DescribeClustersCommandInput,
  DescribeClustersCommandOutput,
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommandInput,
  DescribeTaskDefinitionCommandOutput,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListTaskDefinitionsCommandInput,
  ListTaskDefinitionsCommandOutput,
  ListServicesCommandInput,
  ListServicesCommandOutput,
  ListTasksCommandInput,
  ListTasksCommandOutput,
  RegisterTaskDefinitionCommandInput,
  RegisterTaskDefinitionCommandOutput,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UntagResourceCommandInput,
  UntagResourceCommandOutput,
  UpdateServiceCommandInput,
  UpdateServiceCommandOutput,
} from '@aws-sdk/client-ecs';
import type { GetRoleCommandInput, GetRoleCommandOutput } from '@aws-sdk/client-iam';
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';

/** Per-call options: every call can be cancelled. */
export interface CallOptions {
  readonly abortSignal?: AbortSignal;
}

/** The ECS calls ecs-chaos makes. */
export interface EcsPort {
  describeClusters(input: DescribeClustersCommandInput, options?: CallOptions): Promise<DescribeClustersCommandOutput>;
  describeServices(input: DescribeServicesCommandInput, options?: CallOptions): Promise<DescribeServicesCommandOutput>;
  listServices(input: ListServicesCommandInput, options?: CallOptions): Promise<ListServicesCommandOutput>;
  describeTaskDefinition(
    input: DescribeTaskDefinitionCommandInput,
    options?: CallOptions,
  ): Promise<DescribeTaskDefinitionCommandOutput>;
  listTaskDefinitions(
    input: ListTaskDefinitionsCommandInput,
    options?: CallOptions,
  ): Promise<ListTaskDefinitionsCommandOutput>;
  registerTaskDefinition(
    input: RegisterTaskDefinitionCommandInput,
    options?: CallOptions,
  ): Promise<RegisterTaskDefinitionCommandOutput>;
  deregisterTaskDefinition(
    input: DeregisterTaskDefinitionCommandInput,
    options?: CallOptions,
  ): Promise<DeregisterTaskDefinitionCommandOutput>;
  updateService(input: UpdateServiceCommandInput, options?: CallOptions): Promise<UpdateServiceCommandOutput>;
  listTasks(input: ListTasksCommandInput, options?: CallOptions): Promise<ListTasksCommandOutput>;
  describeTasks(input: DescribeTasksCommandInput, options?: CallOptions): Promise<DescribeTasksCommandOutput>;
  tagResource(input: TagResourceCommandInput, options?: CallOptions): Promise<TagResourceCommandOutput>;
  untagResource(input: UntagResourceCommandInput, options?: CallOptions): Promise<UntagResourceCommandOutput>;
}

/** The IAM calls ecs-chaos makes. */
export interface IamPort {
  getRole(input: GetRoleCommandInput, options?: CallOptions): Promise<GetRoleCommandOutput>;
}

/** The STS calls ecs-chaos makes. */
export interface StsPort {
  getCallerIdentity(options?: CallOptions): Promise<GetCallerIdentityCommandOutput>;
}

/** All ports. */
export interface AwsPorts {
  readonly ecs: EcsPort;
  readonly iam: IamPort;
  readonly sts: StsPort;
}

/** The IAM action of each port method: the runner policy is derived from this table. */
export const PORT_ACTIONS = {
  ecs: {
    describeClusters: 'ecs:DescribeClusters',
    describeServices: 'ecs:DescribeServices',
    listServices: 'ecs:ListServices',
    describeTaskDefinition: 'ecs:DescribeTaskDefinition',
    listTaskDefinitions: 'ecs:ListTaskDefinitions',
    registerTaskDefinition: 'ecs:RegisterTaskDefinition',
    deregisterTaskDefinition: 'ecs:DeregisterTaskDefinition',
    updateService: 'ecs:UpdateService',
    listTasks: 'ecs:ListTasks',
    describeTasks: 'ecs:DescribeTasks',
    tagResource: 'ecs:TagResource',
    untagResource: 'ecs:UntagResource',
  },
  iam: { getRole: 'iam:GetRole' },
  sts: { getCallerIdentity: 'sts:GetCallerIdentity' },
} as const satisfies {
  ecs: Record<keyof EcsPort, string>;
  iam: Record<keyof IamPort, string>;
  sts: Record<keyof StsPort, string>;
};
