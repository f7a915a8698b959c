/** What CloudTrail records of the workload's calls: request parameters, resources, session keys. */
import type { TrailResource } from '../cloudtrail/store.js';

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
  return { parameters: {}, resources: [{ ResourceType: 'AWS::Unknown', ResourceName: resource }] };
}

/** A stable fake temporary access key of a session. */
export function sessionKeyId(seed: string): string {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `ASIA${h.toString(36).toUpperCase().padStart(8, '0')}WORKLOAD`.slice(0, 20).padEnd(20, 'X');
}
