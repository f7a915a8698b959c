/**
 * Preflight checks of what real ECS would refuse after the service was already changed: the
 * service's shape (scheduling strategy, deployment strategy, ARN format) and the tags the run will
 * write (ECS's limits: 50 tags per resource, keys up to 128 characters, values up to 256; `aws:`
 * keys reserved). Each refuses with the numbers and the fix, before any change.
 */
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { parseArn } from '../aws/arn.js';
import type { ExperimentSpec } from '../config/spec.js';
import { leaseKey } from './lease.js';
import { chaosRevisionMarkers, encodeFullDeploymentConfiguration, episodeMarkers, serviceMarkers } from './markers.js';
import { siblingMarkers, siblingName } from './sibling.js';

/** ECS's tag limits, per resource. */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;

/** Whether a tag key is reserved by AWS (`aws:` in any case): never copied, never written. */
export function reservedTag(key: string | undefined): boolean {
  return (key ?? '').toLowerCase().startsWith('aws:');
}

type Fail = (name: string, detail: string) => never;
type Record = (name: string, status: 'pass' | 'warn' | 'fail', detail: string) => unknown;

/** The service's shape: REPLICA, the ROLLING deployment strategy, a long ARN. */
export function checkServiceShape(svc: Service, record: Record, fail: Fail): void {
  if ((svc.schedulingStrategy ?? 'REPLICA') === 'DAEMON') {
    fail(
      'service is a REPLICA service',
      'the service uses the DAEMON scheduling strategy: ECS refuses a maximumPercent above 100 for it, and one task runs per instance, so neither exposure mode applies. Fix: run the fault on a REPLICA service',
    );
  }
  // `deploymentConfiguration.strategy` (ROLLING, BLUE_GREEN, LINEAR, CANARY): read raw, as SDKs that
  // predate the field drop it from their types but keep it in the object.
  const strategy = (svc.deploymentConfiguration as { strategy?: string } | undefined)?.strategy ?? 'ROLLING';
  if (strategy !== 'ROLLING') {
    fail(
      'deployment strategy is ROLLING',
      `the service deploys with the ECS-native ${strategy} strategy: its traffic shifting and bake times are not modelled, the batch size means nothing there and the waits would be wrong. Fix: run the fault on a service with the ROLLING strategy`,
    );
  }
  const arn = parseArn(svc.serviceArn ?? '');
  const resource = arn?.resource ?? '';
  if (resource.split('/').length < 3) {
    fail(
      'service has a long ARN',
      `the service's ARN ${svc.serviceArn} has the old short format (no cluster in it): ECS refuses tags on it ("Long arn format must be used for tagging operations"), and ecs-chaos marks the service with tags before changing it. Fix: opt in to the long ARN format (aws ecs put-account-setting --name serviceLongArnFormat --value enabled) and recreate the service, or run the fault on another service`,
    );
  }
  record('service shape', 'pass', `REPLICA, ${strategy}, long ARN`);
}

/** The tags the run writes fit ECS's limits, on the service, the chaos revision and the sibling. */
export function checkTagLimits(
  spec: ExperimentSpec,
  svc: Service,
  serviceTags: readonly Tag[],
  original: TaskDefinition,
  originalTags: readonly Tag[],
  record: Record,
  fail: Fail,
  /** An episode fault marks only the service: no chaos revision, no sibling, no configuration to restore. */
  episode = false,
): void {
  const experimentId = 'ecs-chaos-20000101T000000Z-000000';
  const exact = !episode && spec.exposureMode === 'exact';
  const onService = [
    ...(episode
      ? episodeMarkers({ experimentId, fault: spec.fault, originalTaskDefinitionArn: original.taskDefinitionArn! })
      : serviceMarkers({
          experimentId,
          originalTaskDefinitionArn: original.taskDefinitionArn!,
          originalDeployment: svc.deploymentConfiguration,
          chaosTaskDefinitionArn: original.taskDefinitionArn!.replace(/:\d+$/, ':99999'),
          ...(exact ? { sibling: siblingName(spec.service, experimentId, 1) } : {}),
        })),
    { key: leaseKey(experimentId), value: 'x' },
  ];
  const onRevision = episode
    ? []
    : chaosRevisionMarkers({
        experimentId,
        fault: spec.fault,
        originalTaskDefinitionArn: original.taskDefinitionArn!,
        originalDeployment: svc.deploymentConfiguration,
        serviceArn: svc.serviceArn!,
        startedAt: new Date(0),
        iteration: 1,
      });
  const kept = originalTags.filter((t) => !reservedTag(t.key) && !onRevision.some((m) => m.key === t.key));
  const problems: string[] = [];
  const serviceCount = new Set([...serviceTags.map((t) => t.key), ...onService.map((t) => t.key)]).size;
  if (serviceCount > TAG_LIMITS.perResource) {
    problems.push(
      `the service has ${serviceTags.length} tags and the run adds ${onService.length} (its markers and its lease): ${serviceCount} > ${TAG_LIMITS.perResource}. Fix: remove at least ${serviceCount - TAG_LIMITS.perResource} of the service's tags`,
    );
  }
  const revisionCount = kept.length + onRevision.length;
  if (revisionCount > TAG_LIMITS.perResource) {
    problems.push(
      `the chaos revision copies the original's ${kept.length} tags and adds ${onRevision.length} markers: ${revisionCount} > ${TAG_LIMITS.perResource}. Fix: remove at least ${revisionCount - TAG_LIMITS.perResource} of the task definition's tags`,
    );
  }
  for (const tag of [
    ...onService,
    ...onRevision,
    ...(exact
      ? siblingMarkers({
          experimentId,
          serviceArn: svc.serviceArn!,
          originalTaskDefinitionArn: original.taskDefinitionArn!,
          iteration: 1,
        })
      : []),
  ]) {
    if ((tag.value ?? '').length > TAG_LIMITS.valueLength) {
      problems.push(
        `the marker ${tag.key} would be ${tag.value!.length} characters (ECS allows ${TAG_LIMITS.valueLength}): ${tag.value!.slice(0, 60)}... Fix: shorten the cluster, service or family names`,
      );
    }
  }
  if (problems.length > 0) fail('tags fit ECS limits', problems.join('; '));
  if (
    !episode &&
    svc.deploymentConfiguration &&
    encodeFullDeploymentConfiguration(svc.deploymentConfiguration) === undefined
  ) {
    record(
      'tags fit ECS limits',
      'warn',
      "the service's whole deployment configuration does not fit one tag (256 characters): the run restores it from memory, but 'recover' after a killed run could restore only maximumPercent, minimumHealthyPercent and the circuit breaker",
    );
  }
  const reserved = episode ? [] : originalTags.filter((t) => reservedTag(t.key)).map((t) => t.key);
  record(
    'tags fit ECS limits',
    'pass',
    `service ${serviceCount}/${TAG_LIMITS.perResource}${episode ? '' : `, chaos revision ${revisionCount}/${TAG_LIMITS.perResource}`}${reserved.length > 0 ? `; not copied (reserved by AWS): ${reserved.join(', ')}` : ''}`,
  );
}
