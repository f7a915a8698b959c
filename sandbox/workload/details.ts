/**
 * Who the workload's calls are made as, and what CloudTrail records of them: the task's credentials,
 * request parameters, resources, session keys.
 */
import type { TrailResource } from '../cloudtrail/store.js';
import type { Principal } from '../core/identity.js';
import type { Cluster, Task } from '../ecs/model.js';
import type { EcsStore } from '../ecs/store.js';
import type { IamStore } from '../iam/store.js';

/** The error code of a call the SDK could not sign (no credentials): it never reaches AWS or CloudTrail. */
export const NO_CREDENTIALS_CODE = 'CredentialsProviderError';

/** The credentials a task's code finds, or why it finds none. */
export type Identity =
  | { readonly principal: Principal; readonly accessKeyId: string }
  | { readonly error: { readonly code: string; readonly message: string } };

/** The data-plane details CloudTrail records of a workload call. */
export function callDetails(
  action: string,
  resource: string,
  accountId: string,
): { parameters: Record<string, unknown>; resources: TrailResource[] } {
  const service = action.slice(0, action.indexOf(':'));
  if (service === 's3') {
    const path = resource.replace(/^arn:aws:s3:::/, '');
    const slash = path.indexOf('/');
    const bucketName = slash < 0 ? path : path.slice(0, slash);
    const key = slash < 0 ? undefined : path.slice(slash + 1);
    return {
      parameters: { bucketName, Host: `${bucketName}.s3.amazonaws.com`, ...(key !== undefined && { key }) },
      resources: [
        { ResourceType: 'AWS::S3::Bucket', ResourceName: bucketName },
        ...(key !== undefined ? [{ ResourceType: 'AWS::S3::Object', ResourceName: resource }] : []),
      ],
    };
  }
  if (service === 'dynamodb') {
    const tableName = resource.slice(resource.indexOf(':table/') + ':table/'.length);
    return { parameters: { tableName }, resources: [{ ResourceType: 'AWS::DynamoDB::Table', ResourceName: resource }] };
  }
  if (service === 'sqs') {
    const [, , , region, account, name] = resource.split(':');
    const queueUrl = `https://sqs.${region}.amazonaws.com/${account ?? accountId}/${name}`;
    return { parameters: { queueUrl }, resources: [{ ResourceType: 'AWS::SQS::Queue', ResourceName: resource }] };
  }
  if (service === 'ssm') {
    const name = resource.slice(resource.indexOf(':parameter') + ':parameter'.length);
    return { parameters: { name }, resources: [{ ResourceType: 'AWS::SSM::Parameter', ResourceName: resource }] };
  }
  return { parameters: {}, resources: [{ ResourceType: 'AWS::Unknown', ResourceName: resource }] };
}

/** A stable fake temporary access key of a session. */
export function sessionKeyId(seed: string): string {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `ASIA${h.toString(36).toUpperCase().padStart(8, '0')}WORKLOAD`.slice(0, 20).padEnd(20, 'X');
}

/** The credentials a task's code finds: its task role, else the instance role on EC2, else none. */
export function taskIdentity(
  deps: { readonly iam: IamStore; readonly ecs: EcsStore; readonly accountId: string; readonly defaultRegion: string },
  cluster: Cluster,
  task: Task,
): Identity {
  const region = deps.ecs.region(task.taskArn.split(':')[3] ?? deps.defaultRegion);
  const def = region.findTaskDefinition(task.taskDefinitionArn)?.def;
  const taskRoleArn = typeof def?.taskRoleArn === 'string' ? def.taskRoleArn : undefined;
  let roleArn = taskRoleArn;
  let sessionName = task.id;
  if (roleArn === undefined && task.launchType === 'EC2' && task.containerInstanceArn !== undefined) {
    const instance = [...cluster.containerInstances.values()].find(
      (i) => i.containerInstanceArn === task.containerInstanceArn,
    );
    roleArn = instance?.instanceRoleArn;
    if (instance) sessionName = instance.ec2InstanceId;
  }
  const role = roleArn === undefined ? undefined : deps.iam.getRoleByArn(roleArn);
  if (!role) {
    return {
      error: {
        code: NO_CREDENTIALS_CODE,
        message: 'Could not load credentials from any providers',
      },
    };
  }
  return {
    principal: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${deps.accountId}:assumed-role/${role.roleName}/${sessionName}`,
      accountId: deps.accountId,
      userId: `${role.roleId}:${sessionName}`,
      roleArn: role.arn,
      sessionName,
    },
    accessKeyId: sessionKeyId(`${task.taskArn}/${role.arn}`),
  };
}
