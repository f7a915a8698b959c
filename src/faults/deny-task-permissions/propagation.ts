/**
 * How long IAM took to apply the Deny, and to lift it: from the attach to the first denied call
 * seen, and from the removal to the first allowed call seen. The witnesses are the run's probes
 * (their evaluations are timestamped: a probe that fails once the Deny reached the tasks and passes
 * again once its removal did) and, for management events only, the role's own calls in CloudTrail's
 * event history. Data events (s3:PutObject, dynamodb:PutItem...) never reach the event history.
 */
import type { CloudTrailPort } from '../../aws/ports.js';
import { trailVisibility } from '../../aws/cloudtrail-events.js';
import { isAccessDenied, madeBy, scanTrail } from '../../aws/cloudtrail-scan.js';
import { eventAction } from '../../iam/observed.js';
import type { ProbeResult } from '../../probes/types.js';

/** One sighting: when, and by which witness. */
export interface Sighting {
  readonly at: Date;
  readonly by: string;
}

/** Whether `action` is one of the denied patterns (`*` and `?` as IAM reads them, case-insensitive). */
export function matchesAny(action: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    return re.test(action);
  });
}

/** The first failing probe evaluation after `since` (a probe evaluated during the chaos). */
export function firstProbeFailure(probes: readonly ProbeResult[], since: Date): Sighting | undefined {
  let best: Sighting | undefined;
  for (const p of probes) {
    const e = p.evaluations.find((x) => !x.passed && new Date(x.at) > since);
    if (e && (!best || new Date(e.at) < best.at)) best = { at: new Date(e.at), by: `probe ${p.name}` };
  }
  return best;
}

/**
 * The first passing evaluation after `since` of a probe that failed between `deniedFrom` and
 * `since` (the Deny's window): the app works again.
 */
export function firstProbeRecovery(
  probes: readonly ProbeResult[],
  deniedFrom: Date,
  since: Date,
): Sighting | undefined {
  let best: Sighting | undefined;
  for (const p of probes) {
    const failed = p.evaluations.some((x) => !x.passed && new Date(x.at) > deniedFrom && new Date(x.at) <= since);
    if (!failed) continue;
    const e = p.evaluations.find((x) => x.passed && new Date(x.at) > since);
    if (e && (!best || new Date(e.at) < best.at)) best = { at: new Date(e.at), by: `probe ${p.name}` };
  }
  return best;
}

/** Whether CloudTrail's event history can show any of the denied actions (management events). */
export function trailCanShow(actions: readonly string[]): boolean {
  return actions.some((a) => a.includes('*') || trailVisibility(a) !== 'data');
}

/**
 * The role's first denied call after `from` and its first successful call of a denied action after
 * `allowedFrom`, from CloudTrail's event history (management events only; AWS delivers them within
 * about 5 minutes, so a look right after the window may see neither).
 */
export async function trailSightings(
  cloudtrail: CloudTrailPort,
  input: {
    readonly roleArn: string;
    readonly actions: readonly string[];
    readonly from: Date;
    readonly allowedFrom?: Date;
    readonly to: Date;
    readonly signal?: AbortSignal;
  },
): Promise<{ denied?: Sighting; allowed?: Sighting }> {
  let denied: Sighting | undefined;
  let allowed: Sighting | undefined;
  // One concrete action: CloudTrail filters by its event name (one attribute at most), fewer pages.
  const only =
    input.actions.length === 1 && !/[*?]/.test(input.actions[0]!) ? input.actions[0]!.split(':')[1] : undefined;
  await scanTrail(
    cloudtrail,
    {
      start: input.from,
      end: input.to,
      maxPages: 4,
      ...(only ? { lookupAttribute: { AttributeKey: 'EventName', AttributeValue: only } } : {}),
      ...(input.signal ? { abortSignal: input.signal } : {}),
    },
    (record) => {
      if (!madeBy(record, input.roleArn) || !record.eventTime) return;
      const action = eventAction(record.eventSource ?? '', record.eventName ?? '');
      if (!matchesAny(action, input.actions)) return;
      const at = new Date(record.eventTime);
      const by = `CloudTrail ${action}`;
      // Newest first: the last one visited is the earliest.
      if (isAccessDenied(record)) {
        if (at > input.from && (!input.allowedFrom || at <= input.allowedFrom)) denied = { at, by };
      } else if (record.errorCode === undefined && input.allowedFrom && at > input.allowedFrom) {
        allowed = { at, by };
      }
    },
  );
  return { ...(denied ? { denied } : {}), ...(allowed ? { allowed } : {}) };
}

/** Seconds between two moments, to the tenth. */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 100) / 10);
}
