/** The readable lines of `status` and `recover` about one service. */
import { describeLease } from './lease.js';
import { MARKER, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import type { ServiceInspection } from './inspect.js';

/** One line (two with a lease) describing what was found on a service. */
export function describeInspection(i: ServiceInspection, now: Date = new Date()): string {
  const unchecked = i.leftoversNotChecked ? `\n  warning: ${i.leftoversNotChecked}` : '';
  if (!i.underChaos) return `${i.serviceName}: clean (runs ${shortRevision(i.taskDefinitionArn)})${unchecked}`;
  const parts: string[] = [];
  if (i.onChaosRevision) parts.push(`runs the chaos revision ${shortRevision(i.taskDefinitionArn)}`);
  else parts.push(`runs ${shortRevision(i.taskDefinitionArn)}`);
  if (i.chaosTasks > 0)
    parts.push(
      `${i.chaosTasks} task${i.chaosTasks === 1 ? '' : 's'} of ${i.chaosTaskRevisions.map(shortRevision).join(', ')} still up`,
    );
  if (i.siblings.length > 0)
    parts.push(`sibling service${i.siblings.length === 1 ? '' : 's'} ${i.siblings.join(', ')}`);
  if (i.serviceMarkers.length > 0) parts.push(`${i.serviceMarkers.length} ecs-chaos tags on the service`);
  // An episode fault (no chaos revision) names itself on the service: only its markers are left.
  const episode = tagValue(i.serviceMarkers, MARKER.fault);
  if (episode !== undefined && tagValue(i.serviceMarkers, MARKER.chaosTaskDefinition) === undefined)
    parts.push(`fault ${episode}: nothing to restore (recover removes the markers and the lease)`);
  if (i.chaosDeploymentLeft) {
    const c = i.deploymentConfiguration;
    const o = i.originalDeployment;
    parts.push(
      `the chaos window's deployment configuration (maximumPercent ${c?.maximumPercent}, minimumHealthyPercent ${c?.minimumHealthyPercent}; original ${o?.maximumPercent}/${o?.minimumHealthyPercent})`,
    );
  }
  const f = i.foreignRevisionWithChaosChange;
  if (f)
    parts.push(
      `${shortRevision(f.arn)}, deployed by someone else, carries the chaos change of ${shortRevision(f.chaosRevision)}: ${f.change}`,
    );
  if (i.chaosRevisions.length > 0)
    parts.push(`ACTIVE chaos revisions ${i.chaosRevisions.map(shortRevision).join(', ')}`);
  for (const left of i.faultLeftovers) parts.push(left.detail);
  const exp =
    i.experimentIds.length > 0
      ? ` (experiment ${i.experimentIds.join(', ')}${i.startedAt ? `, started ${i.startedAt}` : ''})`
      : '';
  const state = i.live ? 'LIVE EXPERIMENT' : i.leases.length > 0 ? 'ABANDONED' : 'UNDER CHAOS';
  // The status judged at inspection time: the header and the lease lines never disagree.
  const leases = i.leases.map((l) => `\n  lease: ${describeLease(l, now, l.status)}`).join('');
  return `${i.serviceName}: ${state}${exp}: ${parts.join('; ')}; original ${i.originalTaskDefinitionArn ? shortRevision(i.originalTaskDefinitionArn) : 'unknown'}${leases}${unchecked}`;
}

/** What to do about a foreign revision that carries the chaos change: the exact fix, one line. */
export function foreignRevisionFix(i: ServiceInspection, recoverCommand: string): string {
  const f = i.foreignRevisionWithChaosChange!;
  return `${i.serviceName} runs ${shortRevision(f.arn)}, which someone else deployed after copying the chaos revision ${shortRevision(f.chaosRevision)}: it still carries the chaos change: ${f.change}. ecs-chaos does not overwrite someone's deployment on its own. Fix: '${recoverCommand} --repair-foreign' registers a copy of ${shortRevision(f.arn)} (their image and every other change kept) with the task role of ${shortRevision(f.original)} and deploys it; or deploy such a revision yourself and run recover again`;
}
