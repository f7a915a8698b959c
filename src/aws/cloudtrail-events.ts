/**
 * What CloudTrail's event history can show. LookupEvents returns management events only (and
 * Insights events when asked): data events (S3 object calls, DynamoDB item calls, SQS messages,
 * Lambda Invoke, SNS Publish, Kinesis records...) are recorded only by a trail or a CloudTrail Lake
 * event data store that selects them, never in the event history. A refusal of a data-plane call is
 * therefore invisible to every CloudTrail reader of ecs-chaos; the app's own errors, its metrics, or
 * a trail's data events (in S3 or CloudWatch Logs) show it instead.
 */

/** Data-plane operations by IAM service prefix, from the CloudTrail User Guide ("Logging data events"). */
const DATA_EVENTS: Readonly<Record<string, readonly string[]>> = {
  s3: [
    'GetObject',
    'PutObject',
    'DeleteObject',
    'DeleteObjects',
    'HeadObject',
    'CopyObject',
    'GetObjectAcl',
    'PutObjectAcl',
    'GetObjectTagging',
    'PutObjectTagging',
    'DeleteObjectTagging',
    'GetObjectAttributes',
    'GetObjectVersion',
    'DeleteObjectVersion',
    'RestoreObject',
    'SelectObjectContent',
    'CreateMultipartUpload',
    'UploadPart',
    'UploadPartCopy',
    'CompleteMultipartUpload',
    'AbortMultipartUpload',
    'ListMultipartUploadParts',
  ],
  dynamodb: [
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'Query',
    'Scan',
    'BatchGetItem',
    'BatchWriteItem',
    'ConditionCheckItem',
    'TransactGetItems',
    'TransactWriteItems',
    'PartiQLSelect',
    'PartiQLInsert',
    'PartiQLUpdate',
    'PartiQLDelete',
  ],
  sqs: [
    'SendMessage',
    'SendMessageBatch',
    'ReceiveMessage',
    'DeleteMessage',
    'DeleteMessageBatch',
    'ChangeMessageVisibility',
    'ChangeMessageVisibilityBatch',
  ],
  sns: ['Publish', 'PublishBatch'],
  lambda: ['InvokeFunction', 'Invoke', 'InvokeFunctionUrl', 'InvokeWithResponseStream'],
  kinesis: ['PutRecord', 'PutRecords', 'GetRecords', 'GetShardIterator', 'SubscribeToShard'],
};

/** Where data events go instead of the event history. */
export const DATA_EVENTS_ELSEWHERE =
  'a trail that logs data events (to S3 or CloudWatch Logs) or a CloudTrail Lake event data store records them';

/** The one-line rule, for notes and reports. */
export const MANAGEMENT_EVENTS_ONLY =
  "CloudTrail's event history (LookupEvents) holds management events only: refusals of data-plane calls (S3 objects, DynamoDB items, SQS messages, Lambda Invoke, SNS Publish, Kinesis records) never appear in it";

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

/**
 * Whether LookupEvents can show calls of `action` (`s3:PutObject`, or a pattern such as `s3:Put*`):
 * `data` when every operation it names is a data event, `mixed` when a pattern covers both kinds,
 * `management` otherwise.
 */
export function trailVisibility(action: string): 'management' | 'data' | 'mixed' {
  const colon = action.indexOf(':');
  const prefix = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  const ops = DATA_EVENTS[prefix];
  if (colon < 0 || !ops) return 'management';
  if (!/[*?]/.test(name)) return ops.some((op) => op.toLowerCase() === name.toLowerCase()) ? 'data' : 'management';
  return ops.some((op) => globToRegExp(name).test(op)) ? 'mixed' : 'management';
}

/** Splits actions into those whose refusals CloudTrail's event history shows and those it cannot. */
export function splitByVisibility(actions: Iterable<string>): { shown: string[]; hidden: string[]; partly: string[] } {
  const out = { shown: [] as string[], hidden: [] as string[], partly: [] as string[] };
  for (const action of new Set(actions)) {
    const v = trailVisibility(action);
    (v === 'management' ? out.shown : v === 'data' ? out.hidden : out.partly).push(action);
  }
  return out;
}

/** Lines saying which refused calls CloudTrail can and cannot show, for `plan` and reports. */
export function describeVisibility(actions: Iterable<string>): string[] {
  const { shown, hidden, partly } = splitByVisibility(actions);
  const lines: string[] = [];
  if (shown.length > 0) lines.push(`CloudTrail's event history will show the refusals of: ${shown.join(', ')}`);
  if (hidden.length > 0) {
    lines.push(
      `CloudTrail's event history cannot show the refusals of: ${hidden.join(', ')} (data events: ${DATA_EVENTS_ELSEWHERE}; the app's errors and metrics show them too)`,
    );
  }
  if (partly.length > 0) {
    lines.push(
      `of ${partly.join(', ')}, CloudTrail's event history shows the management calls only, not the data events`,
    );
  }
  return lines;
}
