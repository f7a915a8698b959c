/**
 * What ECS does with the task execution role before a task's containers start, in the order it
 * does it, and how each step fails when the role (or, on EC2 without one, the container instance's
 * role) is denied:
 *
 * 1. registry auth for private ECR images of the account (`ecr:GetAuthorizationToken`);
 * 2. `secrets` from Secrets Manager (`secretsmanager:GetSecretValue`) and SSM Parameter Store
 *    (`ssm:GetParameters`);
 * 3. the image pull (`ecr:BatchGetImage` for the manifest, `ecr:GetDownloadUrlForLayer` for layers),
 *    and a tag or digest the repository does not hold ("not found", see registry.ts);
 * 4. the awslogs log stream (`logs:CreateLogStream`).
 *
 * Fargate's words (platform 1.4, containerd) and the EC2 agent's differ; see docs/sandbox.md.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Task } from './model.js';

/** Asks IAM whether a role's session may do `action` on `resource`: the AccessDenied message, or undefined when allowed. */
export type RoleAuthorizer = (
  roleArn: string,
  sessionName: string,
  action: string,
  resource: string,
) => string | undefined;

const PRIVATE_ECR = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?:([:@])(.+))?$/;

type Container = Record<string, unknown>;

/** A private ECR image: its host, repository, reference, and the repository's ARN. */
function ecrImage(
  image: string,
): { host: string; repository: string; ref: string; digest: boolean; arn: string } | undefined {
  const m = PRIVATE_ECR.exec(image);
  if (!m) return undefined;
  const [, account, region, repository, sep, ref] = m as unknown as [string, string, string, string, string?, string?];
  return {
    host: image.slice(0, image.indexOf('/')),
    repository,
    ref: ref ?? 'latest',
    digest: sep === '@',
    arn: `arn:aws:ecr:${region}:${account}:repository/${repository}`,
  };
}

/** The ARN ECS asks Secrets Manager or SSM for, from a secret's valueFrom. */
function secretTarget(
  valueFrom: string,
  region: string,
  accountId: string,
): { service: 'asm' | 'ssm'; action: string; arn: string } {
  if (valueFrom.includes(':secretsmanager:')) {
    // arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id]
    return { service: 'asm', action: 'secretsmanager:GetSecretValue', arn: valueFrom.split(':').slice(0, 7).join(':') };
  }
  if (valueFrom.startsWith('arn:')) return { service: 'ssm', action: 'ssm:GetParameters', arn: valueFrom };
  const name = valueFrom.replace(/^\//, '');
  return { service: 'ssm', action: 'ssm:GetParameters', arn: `arn:aws:ssm:${region}:${accountId}:parameter/${name}` };
}

const RESOURCE_INIT =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed';

/**
 * The reason a task fails to start because of its execution role, or undefined when every step
 * is allowed. `authorize` is the IAM evaluator's answer for the role's session.
 */
export function executionFailure(
  def: Record<string, unknown>,
  task: Task,
  cluster: Cluster,
  authorize: RoleAuthorizer,
  imageExists: (repository: string, reference: string) => boolean = () => true,
): { reason: string; container?: string } | undefined {
  const [, , , region = '', accountId = ''] = task.taskArn.split(':');
  const fargate = task.launchType === 'FARGATE';
  const containers = (def.containerDefinitions as Container[] | undefined) ?? [];
  const executionRole = typeof def.executionRoleArn === 'string' ? def.executionRoleArn : undefined;
  const instance = fargate
    ? undefined
    : [...cluster.containerInstances.values()].find((i) => i.containerInstanceArn === task.containerInstanceArn);
  // On EC2 without an execution role, the agent pulls and writes logs with the instance's role.
  const role = executionRole ?? instance?.instanceRoleArn;
  const session = executionRole ? task.id : (instance?.ec2InstanceId ?? task.id);
  const denied = (action: string, resource: string): string | undefined =>
    role === undefined ? 'no credentials' : authorize(role, session, action, resource);
  const requestId = (): string => randomUUID();
  const images = containers
    .map((c) => ({ name: String(c.name), image: ecrImage(String(c.image)) }))
    .filter((c) => c.image !== undefined && c.image.arn.split(':')[4] === accountId);

  // 1. Registry auth.
  for (const { name, image } of images) {
    if (role === undefined) {
      const ref = `${image!.host}/${image!.repository}${image!.digest ? '@' : ':'}${image!.ref}`;
      return {
        container: name,
        reason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ref}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
      };
    }
    const why = denied('ecr:GetAuthorizationToken', '*');
    if (why) {
      return fargate
        ? {
            reason: `${RESOURCE_INIT}: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${why}. Please check your task network configuration.`,
          }
        : {
            container: name,
            reason: `CannotPullECRContainerError: AccessDeniedException: ${why}\n\tstatus code: 400, request id: ${requestId()}`,
          };
    }
    break;
  }
  // 2. Secrets.
  for (const c of containers) {
    for (const secret of Array.isArray(c.secrets) ? (c.secrets as Array<{ valueFrom?: unknown }>) : []) {
      const target = secretTarget(String(secret.valueFrom), region, accountId);
      const why = denied(target.action, target.arn);
      if (!why) continue;
      return {
        reason:
          target.service === 'asm'
            ? `${RESOURCE_INIT}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${target.arn} from secrets manager: AccessDeniedException: ${why} status code: 400, request id: ${requestId()}`
            : `${RESOURCE_INIT}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: ${why} status code: 400, request id: ${requestId()}`,
      };
    }
  }
  // 3. The pull: the manifest, then the layers.
  for (const { name, image } of images) {
    const ref = `${image!.host}/${image!.repository}${image!.digest ? '@' : ':'}${image!.ref}`;
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) {
      const why = denied(action, image!.arn);
      if (!why) continue;
      if (!fargate) {
        return {
          container: name,
          reason: `CannotPullContainerError: Error response from daemon: pull access denied for ${image!.host}/${image!.repository}, repository does not exist or may require 'docker login': denied: ${why}`,
        };
      }
      const reason =
        action === 'ecr:BatchGetImage'
          ? `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ref}: pulling from host ${image!.host} failed with status code [manifests ${image!.ref}]: 403 Forbidden`
          : `CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://${image!.host}/v2/${image!.repository}/blobs/sha256:${'0'.repeat(64)}: 403 Forbidden`;
      return { container: name, reason };
    }
    if (!imageExists(image!.repository, image!.ref)) {
      return {
        container: name,
        reason: fargate
          ? `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ref}: ${ref}: not found`
          : `CannotPullContainerError: Error response from daemon: manifest for ${ref} not found: manifest unknown: Requested image not found`,
      };
    }
  }
  // 4. awslogs.
  for (const c of containers) {
    const log = c.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
    if (log?.logDriver !== 'awslogs') continue;
    const group = log.options?.['awslogs-group'] ?? '';
    const logRegion = log.options?.['awslogs-region'] ?? region;
    const prefix = log.options?.['awslogs-stream-prefix'];
    const stream = prefix ? `${prefix}/${String(c.name)}/${task.id}` : task.id;
    const arn = `arn:aws:logs:${logRegion}:${accountId}:log-group:${group}:log-stream:${stream}`;
    const why = denied('logs:CreateLogStream', arn);
    if (!why) continue;
    return {
      container: String(c.name),
      reason: fargate
        ? `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: ${why}\n\tstatus code: 400, request id: ${requestId()} : exit status 1`
        : `CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: AccessDeniedException: ${why}\n\tstatus code: 400, request id: ${requestId()}`,
    };
  }
  return undefined;
}
