/**
 * The AWS SDK v3 adapters of the ports. Every client honours the endpoint override (the sandbox,
 * or any emulator), shares one credential provider, and retries per the one retry policy: reads
 * and mutations that are safe to repeat only.
 */
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  ListClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
  PutRolePolicyCommand,
  DeleteRolePolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { lookupEventsPacer } from './cloudtrail-pace.js';
import { readYourWrites } from './read-your-writes.js';
import type { AwsPorts, CallOptions, EcsPort } from './ports.js';
import { invalidateCredentials, isExpiredCredentials } from './credential-cache.js';
import { keepRawAnswers } from './raw-members.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';

/** Options of {@link createAwsPorts}. */
export interface AwsClientOptions {
  readonly region: string;
  /** An endpoint for every client, e.g. `http://127.0.0.1:4599`. @default the AWS endpoints */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly retry?: RetryPolicy;
  /** Called before each retry. */
  readonly onRetry?: (info: { operation: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** Called when AWS answered that the credentials expired and they are resolved again for one more attempt. */
  readonly onExpiredCredentials?: (info: { operation: string; error: unknown }) => void;
  /** Socket timeouts: a hung request fails instead of waiting forever. @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** ECS operations that must not be repeated blindly: a retried RegisterTaskDefinition adds a revision. */
export const NOT_SAFE_TO_REPEAT: ReadonlySet<keyof EcsPort> = new Set(['registerTaskDefinition']);

/** AWS ports backed by the AWS SDK v3 clients. `destroy()` closes their sockets. */
export function createAwsPorts(options: AwsClientOptions): AwsPorts & { destroy(): void } {
  const config = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: options.credentials,
    // Retries are ours (below), per operation; the SDK makes one attempt.
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only warns when the timeout passes, and a hung request waits on.
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
  };
  const ecs = new ECSClient(config);
  // The answers the faults copy (a task definition, exact mode's service): preflight checks them for
  // members this SDK does not know.
  keepRawAnswers(ecs, new Set(['DescribeTaskDefinitionCommand', 'DescribeServicesCommand']));
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  const cloudtrail = new CloudTrailClient(config);
  const trailPacer = lookupEventsPacer(options.region, options.endpoint);
  const cloudwatch = new CloudWatchClient(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;

  function call<T>(operation: string, safe: boolean, send: () => Promise<T>, callOptions?: CallOptions): Promise<T> {
    // A call refused for expired credentials was not applied: resolve them again (a renewed file, a
    // new role session) and repeat it once, whether or not it is safe to repeat.
    const run = async (): Promise<T> => {
      try {
        return await send();
      } catch (error) {
        if (!isExpiredCredentials(error) || !invalidateCredentials(options.credentials)) throw error;
        options.onExpiredCredentials?.({ operation, error });
        return send();
      }
    };
    if (!safe) return run();
    return withRetry(run, {
      policy,
      signal: callOptions?.abortSignal,
      onRetry: (info) => options.onRetry?.({ operation, ...info }),
    });
  }
  const s = (o?: CallOptions): { abortSignal?: AbortSignal } => (o?.abortSignal ? { abortSignal: o.abortSignal } : {});

  const ecsPort: EcsPort = {
    describeClusters: (i, o) => call('DescribeClusters', true, () => ecs.send(new DescribeClustersCommand(i), s(o)), o),
    listClusters: (i, o) => call('ListClusters', true, () => ecs.send(new ListClustersCommand(i), s(o)), o),
    describeServices: (i, o) => call('DescribeServices', true, () => ecs.send(new DescribeServicesCommand(i), s(o)), o),
    listServices: (i, o) => call('ListServices', true, () => ecs.send(new ListServicesCommand(i), s(o)), o),
    describeTaskDefinition: (i, o) =>
      call('DescribeTaskDefinition', true, () => ecs.send(new DescribeTaskDefinitionCommand(i), s(o)), o),
    listTaskDefinitions: (i, o) =>
      call('ListTaskDefinitions', true, () => ecs.send(new ListTaskDefinitionsCommand(i), s(o)), o),
    registerTaskDefinition: (i, o) =>
      call('RegisterTaskDefinition', false, () => ecs.send(new RegisterTaskDefinitionCommand(i), s(o)), o),
    deregisterTaskDefinition: (i, o) =>
      call('DeregisterTaskDefinition', true, () => ecs.send(new DeregisterTaskDefinitionCommand(i), s(o)), o),
    updateService: (i, o) => call('UpdateService', true, () => ecs.send(new UpdateServiceCommand(i), s(o)), o),
    // Safe to repeat: the engine always passes a clientToken, so a retried CreateService is idempotent.
    createService: (i, o) =>
      call('CreateService', i.clientToken !== undefined, () => ecs.send(new CreateServiceCommand(i), s(o)), o),
    deleteService: (i, o) => call('DeleteService', true, () => ecs.send(new DeleteServiceCommand(i), s(o)), o),
    listTasks: (i, o) => call('ListTasks', true, () => ecs.send(new ListTasksCommand(i), s(o)), o),
    describeTasks: (i, o) => call('DescribeTasks', true, () => ecs.send(new DescribeTasksCommand(i), s(o)), o),
    tagResource: (i, o) => call('TagResource', true, () => ecs.send(new TagResourceCommand(i), s(o)), o),
    untagResource: (i, o) => call('UntagResource', true, () => ecs.send(new UntagResourceCommand(i), s(o)), o),
    // Safe to repeat: stopping a task that is already stopping or stopped changes nothing.
    stopTask: (i, o) => call('StopTask', true, () => ecs.send(new StopTaskCommand(i), s(o)), o),
  };

  return {
    // DescribeServices never older than this process's own UpdateService / CreateService (read-your-writes.ts).
    ecs: readYourWrites(ecsPort),
    iam: {
      getRole: (i, o) => call('GetRole', true, () => iam.send(new GetRoleCommand(i), s(o)), o),
      listRolePolicies: (i, o) =>
        call('ListRolePolicies', true, () => iam.send(new ListRolePoliciesCommand(i), s(o)), o),
      getRolePolicy: (i, o) => call('GetRolePolicy', true, () => iam.send(new GetRolePolicyCommand(i), s(o)), o),
      listAttachedRolePolicies: (i, o) =>
        call('ListAttachedRolePolicies', true, () => iam.send(new ListAttachedRolePoliciesCommand(i), s(o)), o),
      getPolicy: (i, o) => call('GetPolicy', true, () => iam.send(new GetPolicyCommand(i), s(o)), o),
      getPolicyVersion: (i, o) =>
        call('GetPolicyVersion', true, () => iam.send(new GetPolicyVersionCommand(i), s(o)), o),
      simulatePrincipalPolicy: (i, o) =>
        call('SimulatePrincipalPolicy', true, () => iam.send(new SimulatePrincipalPolicyCommand(i), s(o)), o),
      // A retried delete or detach answers NoSuchEntity and a retried create EntityAlreadyExists:
      // the fault takes those as done (faults/deny-task-permissions/role-writes.ts).
      putRolePolicy: (i, o) => call('PutRolePolicy', true, () => iam.send(new PutRolePolicyCommand(i), s(o)), o),
      deleteRolePolicy: (i, o) =>
        call('DeleteRolePolicy', true, () => iam.send(new DeleteRolePolicyCommand(i), s(o)), o),
      createPolicy: (i, o) => call('CreatePolicy', true, () => iam.send(new CreatePolicyCommand(i), s(o)), o),
      deletePolicy: (i, o) => call('DeletePolicy', true, () => iam.send(new DeletePolicyCommand(i), s(o)), o),
      attachRolePolicy: (i, o) =>
        call('AttachRolePolicy', true, () => iam.send(new AttachRolePolicyCommand(i), s(o)), o),
      detachRolePolicy: (i, o) =>
        call('DetachRolePolicy', true, () => iam.send(new DetachRolePolicyCommand(i), s(o)), o),
      tagRole: (i, o) => call('TagRole', true, () => iam.send(new TagRoleCommand(i), s(o)), o),
      untagRole: (i, o) => call('UntagRole', true, () => iam.send(new UntagRoleCommand(i), s(o)), o),
    },
    sts: {
      getCallerIdentity: (o) =>
        call('GetCallerIdentity', true, () => sts.send(new GetCallerIdentityCommand({}), s(o)), o),
      assumeRole: (i, o) => call('AssumeRole', true, () => sts.send(new AssumeRoleCommand(i), s(o)), o),
    },
    cloudtrail: {
      // Every attempt waits for its slot under LookupEvents' 2 requests per second (cloudtrail-pace.ts).
      lookupEvents: (i, o) =>
        call(
          'LookupEvents',
          true,
          () => trailPacer.run(() => cloudtrail.send(new LookupEventsCommand(i), s(o)), o?.abortSignal),
          o,
        ),
    },
    cloudwatch: {
      describeAlarms: (i, o) =>
        call('DescribeAlarms', true, () => cloudwatch.send(new DescribeAlarmsCommand(i), s(o)), o),
      getMetricStatistics: (i, o) =>
        call('GetMetricStatistics', true, () => cloudwatch.send(new GetMetricStatisticsCommand(i), s(o)), o),
    },
    elb: {
      describeTargetHealth: (i, o) =>
        call('DescribeTargetHealth', true, () => elb.send(new DescribeTargetHealthCommand(i), s(o)), o),
    },
    destroy: () => {
      cloudtrail.destroy();
      cloudwatch.destroy();
      elb.destroy();
      ecs.destroy();
      iam.destroy();
      sts.destroy();
    },
  };
}
