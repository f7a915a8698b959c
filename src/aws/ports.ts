/**
 * The narrow ports through which ecs-chaos talks to AWS. They list exactly the calls the tool
 * makes: they are its API surface on AWS and the source of the least-privilege runner policy.
 */
import type {
  CreateServiceCommandInput,
  CreateServiceCommandOutput,
  DeleteServiceCommandInput,
  DeleteServiceCommandOutput,
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
  StopTaskCommandInput,
  StopTaskCommandOutput,
  UpdateServiceCommandInput,
  UpdateServiceCommandOutput,
  ListClustersCommandInput,
  ListClustersCommandOutput,
} from '@aws-sdk/client-ecs';
import type {
  GetPolicyCommandInput,
  GetPolicyCommandOutput,
  GetPolicyVersionCommandInput,
  GetPolicyVersionCommandOutput,
  GetRoleCommandInput,
  GetRoleCommandOutput,
  GetRolePolicyCommandInput,
  GetRolePolicyCommandOutput,
  ListAttachedRolePoliciesCommandInput,
  ListAttachedRolePoliciesCommandOutput,
  ListRolePoliciesCommandInput,
  ListRolePoliciesCommandOutput,
  SimulatePrincipalPolicyCommandInput,
  SimulatePrincipalPolicyCommandOutput,
  PutRolePolicyCommandInput,
  PutRolePolicyCommandOutput,
  DeleteRolePolicyCommandInput,
  DeleteRolePolicyCommandOutput,
  CreatePolicyCommandInput,
  CreatePolicyCommandOutput,
  DeletePolicyCommandInput,
  DeletePolicyCommandOutput,
  AttachRolePolicyCommandInput,
  AttachRolePolicyCommandOutput,
  DetachRolePolicyCommandInput,
  DetachRolePolicyCommandOutput,
  TagRoleCommandInput,
  TagRoleCommandOutput,
  UntagRoleCommandInput,
  UntagRoleCommandOutput,
} from '@aws-sdk/client-iam';
import type { LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import type {
  DescribeAlarmsCommandInput,
  DescribeAlarmsCommandOutput,
  GetMetricStatisticsCommandInput,
  GetMetricStatisticsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import type {
  AssumeRoleCommandInput,
  AssumeRoleCommandOutput,
  GetCallerIdentityCommandOutput,
} from '@aws-sdk/client-sts';
import type {
  DescribeTargetHealthCommandInput,
  DescribeTargetHealthCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** Per-call options: every call can be cancelled. */
export interface CallOptions {
  readonly abortSignal?: AbortSignal;
}

/** The ECS calls ecs-chaos makes. */
export interface EcsPort {
  describeClusters(input: DescribeClustersCommandInput, options?: CallOptions): Promise<DescribeClustersCommandOutput>;
  /** The region's clusters (deny-task-permissions: who else uses the task role). */
  listClusters(input: ListClustersCommandInput, options?: CallOptions): Promise<ListClustersCommandOutput>;
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
  /** Exact mode: the temporary sibling service that runs the chaos revision on k tasks. */
  createService(input: CreateServiceCommandInput, options?: CallOptions): Promise<CreateServiceCommandOutput>;
  deleteService(input: DeleteServiceCommandInput, options?: CallOptions): Promise<DeleteServiceCommandOutput>;
  listTasks(input: ListTasksCommandInput, options?: CallOptions): Promise<ListTasksCommandOutput>;
  describeTasks(input: DescribeTasksCommandInput, options?: CallOptions): Promise<DescribeTasksCommandOutput>;
  tagResource(input: TagResourceCommandInput, options?: CallOptions): Promise<TagResourceCommandOutput>;
  untagResource(input: UntagResourceCommandInput, options?: CallOptions): Promise<UntagResourceCommandOutput>;
  /** task-stop: stops a task of the service with a reason naming the experiment. */
  stopTask(input: StopTaskCommandInput, options?: CallOptions): Promise<StopTaskCommandOutput>;
}

/** The IAM calls ecs-chaos makes (reads only). */
export interface IamPort {
  getRole(input: GetRoleCommandInput, options?: CallOptions): Promise<GetRoleCommandOutput>;
  listRolePolicies(input: ListRolePoliciesCommandInput, options?: CallOptions): Promise<ListRolePoliciesCommandOutput>;
  getRolePolicy(input: GetRolePolicyCommandInput, options?: CallOptions): Promise<GetRolePolicyCommandOutput>;
  listAttachedRolePolicies(
    input: ListAttachedRolePoliciesCommandInput,
    options?: CallOptions,
  ): Promise<ListAttachedRolePoliciesCommandOutput>;
  getPolicy(input: GetPolicyCommandInput, options?: CallOptions): Promise<GetPolicyCommandOutput>;
  getPolicyVersion(input: GetPolicyVersionCommandInput, options?: CallOptions): Promise<GetPolicyVersionCommandOutput>;
  simulatePrincipalPolicy(
    input: SimulatePrincipalPolicyCommandInput,
    options?: CallOptions,
  ): Promise<SimulatePrincipalPolicyCommandOutput>;
  /** deny-task-permissions' writes on the task role: its Deny policy (inline or managed) and its markers. */
  putRolePolicy(input: PutRolePolicyCommandInput, options?: CallOptions): Promise<PutRolePolicyCommandOutput>;
  deleteRolePolicy(input: DeleteRolePolicyCommandInput, options?: CallOptions): Promise<DeleteRolePolicyCommandOutput>;
  createPolicy(input: CreatePolicyCommandInput, options?: CallOptions): Promise<CreatePolicyCommandOutput>;
  deletePolicy(input: DeletePolicyCommandInput, options?: CallOptions): Promise<DeletePolicyCommandOutput>;
  attachRolePolicy(input: AttachRolePolicyCommandInput, options?: CallOptions): Promise<AttachRolePolicyCommandOutput>;
  detachRolePolicy(input: DetachRolePolicyCommandInput, options?: CallOptions): Promise<DetachRolePolicyCommandOutput>;
  tagRole(input: TagRoleCommandInput, options?: CallOptions): Promise<TagRoleCommandOutput>;
  untagRole(input: UntagRoleCommandInput, options?: CallOptions): Promise<UntagRoleCommandOutput>;
}

/** The STS calls ecs-chaos makes. */
export interface StsPort {
  getCallerIdentity(options?: CallOptions): Promise<GetCallerIdentityCommandOutput>;
  assumeRole(input: AssumeRoleCommandInput, options?: CallOptions): Promise<AssumeRoleCommandOutput>;
}

/** The CloudTrail calls ecs-chaos makes (the observed calls of the blast radius). */
export interface CloudTrailPort {
  lookupEvents(input: LookupEventsCommandInput, options?: CallOptions): Promise<LookupEventsCommandOutput>;
}

/** The CloudWatch calls ecs-chaos makes (probes and stop conditions; reads only). */
export interface CloudWatchPort {
  describeAlarms(input: DescribeAlarmsCommandInput, options?: CallOptions): Promise<DescribeAlarmsCommandOutput>;
  getMetricStatistics(
    input: GetMetricStatisticsCommandInput,
    options?: CallOptions,
  ): Promise<GetMetricStatisticsCommandOutput>;
}

/** The Elastic Load Balancing v2 calls ecs-chaos makes (task-stop's recovery; reads only). */
export interface ElbPort {
  describeTargetHealth(
    input: DescribeTargetHealthCommandInput,
    options?: CallOptions,
  ): Promise<DescribeTargetHealthCommandOutput>;
}

/** All ports. */
export interface AwsPorts {
  readonly ecs: EcsPort;
  readonly iam: IamPort;
  readonly sts: StsPort;
  readonly cloudtrail: CloudTrailPort;
  readonly cloudwatch: CloudWatchPort;
  readonly elb: ElbPort;
}

/** The IAM action of each port method: the runner policy is derived from this table. */
export const PORT_ACTIONS = {
  ecs: {
    describeClusters: 'ecs:DescribeClusters',
    listClusters: 'ecs:ListClusters',
    describeServices: 'ecs:DescribeServices',
    listServices: 'ecs:ListServices',
    describeTaskDefinition: 'ecs:DescribeTaskDefinition',
    listTaskDefinitions: 'ecs:ListTaskDefinitions',
    registerTaskDefinition: 'ecs:RegisterTaskDefinition',
    deregisterTaskDefinition: 'ecs:DeregisterTaskDefinition',
    updateService: 'ecs:UpdateService',
    createService: 'ecs:CreateService',
    deleteService: 'ecs:DeleteService',
    listTasks: 'ecs:ListTasks',
    describeTasks: 'ecs:DescribeTasks',
    tagResource: 'ecs:TagResource',
    untagResource: 'ecs:UntagResource',
    stopTask: 'ecs:StopTask',
  },
  iam: {
    getRole: 'iam:GetRole',
    listRolePolicies: 'iam:ListRolePolicies',
    getRolePolicy: 'iam:GetRolePolicy',
    listAttachedRolePolicies: 'iam:ListAttachedRolePolicies',
    getPolicy: 'iam:GetPolicy',
    getPolicyVersion: 'iam:GetPolicyVersion',
    simulatePrincipalPolicy: 'iam:SimulatePrincipalPolicy',
    putRolePolicy: 'iam:PutRolePolicy',
    deleteRolePolicy: 'iam:DeleteRolePolicy',
    createPolicy: 'iam:CreatePolicy',
    deletePolicy: 'iam:DeletePolicy',
    attachRolePolicy: 'iam:AttachRolePolicy',
    detachRolePolicy: 'iam:DetachRolePolicy',
    tagRole: 'iam:TagRole',
    untagRole: 'iam:UntagRole',
  },
  sts: { getCallerIdentity: 'sts:GetCallerIdentity', assumeRole: 'sts:AssumeRole' },
  cloudtrail: { lookupEvents: 'cloudtrail:LookupEvents' },
  cloudwatch: { describeAlarms: 'cloudwatch:DescribeAlarms', getMetricStatistics: 'cloudwatch:GetMetricStatistics' },
  elb: { describeTargetHealth: 'elasticloadbalancing:DescribeTargetHealth' },
} as const satisfies {
  ecs: Record<keyof EcsPort, string>;
  iam: Record<keyof IamPort, string>;
  sts: Record<keyof StsPort, string>;
  cloudtrail: Record<keyof CloudTrailPort, string>;
  cloudwatch: Record<keyof CloudWatchPort, string>;
  elb: Record<keyof ElbPort, string>;
};
