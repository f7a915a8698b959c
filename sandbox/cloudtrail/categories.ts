/**
 * Which calls CloudTrail records as data events. LookupEvents (the event history) holds management
 * events only: data events reach a trail (S3, CloudWatch Logs) or CloudTrail Lake when a trail or an
 * event data store selects them, never the event history. The sandbox's own table, from the
 * CloudTrail User Guide's "Logging data events" (the resource types and their data-plane APIs).
 */

/** Data-plane operations by service signing name; `*` means every operation of the service. */
const DATA_EVENTS: Readonly<Record<string, ReadonlySet<string> | '*'>> = {
  s3: new Set([
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
    'RestoreObject',
    'SelectObjectContent',
    'CreateMultipartUpload',
    'UploadPart',
    'UploadPartCopy',
    'CompleteMultipartUpload',
    'AbortMultipartUpload',
    'ListParts',
  ]),
  dynamodb: new Set([
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'Query',
    'Scan',
    'BatchGetItem',
    'BatchWriteItem',
    'TransactGetItems',
    'TransactWriteItems',
    'ExecuteStatement',
    'BatchExecuteStatement',
    'ExecuteTransaction',
  ]),
  sqs: new Set([
    'SendMessage',
    'SendMessageBatch',
    'ReceiveMessage',
    'DeleteMessage',
    'DeleteMessageBatch',
    'ChangeMessageVisibility',
    'ChangeMessageVisibilityBatch',
  ]),
  sns: new Set(['Publish', 'PublishBatch']),
  lambda: new Set(['Invoke', 'InvokeWithResponseStream']),
  kinesis: new Set(['PutRecord', 'PutRecords', 'GetRecords', 'GetShardIterator', 'SubscribeToShard']),
  s3express: '*',
};

/** `Data` when CloudTrail records `service:action` as a data event, else `Management`. */
export function eventCategoryOf(service: string, action: string): 'Management' | 'Data' {
  const ops = DATA_EVENTS[service];
  if (ops === undefined) return 'Management';
  return ops === '*' || ops.has(action) ? 'Data' : 'Management';
}
