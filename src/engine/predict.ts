/** The prediction of what will fail: the blast radius of the swap, read from IAM. */
import { parseRoleArn } from '../aws/arn.js';
import type { CallOptions, CloudTrailPort, IamPort } from '../aws/ports.js';
import { observedCalls, type ObservedCall } from '../iam/observed.js';
import { blastRadius, NO_CATALOG, type ActionLookup, type BlastRadius } from '../iam/blast-radius.js';
import { collectRolePermissions } from '../iam/role-permissions.js';

/** A blast radius, or why it could not be computed (e.g. the runner may not read IAM). */
export type Prediction =
  | { readonly ok: true; readonly blastRadius: BlastRadius; readonly observed?: ObservedPrediction }
  | { readonly ok: false; readonly reason: string };

/** An observed call, judged against the chaos role. */
export interface ObservedVerdict extends ObservedCall {
  /** The chaos role refuses what the original role allowed for this action. */
  readonly willFail: boolean;
}

/** The calls the tasks made in the look-back window, or why they are unknown. */
export type ObservedPrediction =
  | {
      readonly ok: true;
      readonly since: string;
      readonly calls: readonly ObservedVerdict[];
      readonly truncated: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads both roles' policies and compares them. Never throws: a prediction is advice, and the
 * experiment does not depend on it.
 */
export async function predictBlastRadius(
  iam: IamPort,
  options: {
    readonly originalRoleArn: string | null;
    readonly chaosRoleArn: string | null;
    /** A lookup, or a loader given the services the roles' policies name (loads just those). */
    readonly catalog?: ActionLookup | ((services: readonly string[]) => Promise<ActionLookup>);
    /** With both: the calls the original role's sessions made in the window, from CloudTrail. */
    readonly cloudtrail?: CloudTrailPort;
    readonly observedSinceSeconds?: number;
    readonly now?: Date;
  } & CallOptions,
): Promise<Prediction> {
  if (options.originalRoleArn === null) {
    return { ok: false, reason: 'the service has no task role: there is nothing to lose, only permissions to gain' };
  }
  const name = (arn: string): string => {
    const parsed = parseRoleArn(arn);
    if (!parsed.ok) throw new Error(`${arn} is not a role ARN`);
    return parsed.arn.roleName;
  };
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  try {
    const original = await collectRolePermissions(iam, name(options.originalRoleArn), call);
    const chaos =
      options.chaosRoleArn === null ? null : await collectRolePermissions(iam, name(options.chaosRoleArn), call);
    let catalog: ActionLookup = NO_CATALOG;
    if (typeof options.catalog === 'function') {
      const services = [...original.inline, ...original.managed, ...(chaos ? [...chaos.inline, ...chaos.managed] : [])]
        .flatMap((p) => p.document?.statements ?? [])
        .flatMap((st) => [...(st.action ?? []), ...(st.notAction ?? [])])
        .map((action) => action.split(':')[0] ?? '')
        .filter((service) => service !== '' && !service.includes('*'));
      // Without the catalog, wildcards stay patterns and access levels are unknown: still useful.
      catalog = await options.catalog(services).catch(() => NO_CATALOG);
    } else if (options.catalog) {
      catalog = options.catalog;
    }
    const radius = blastRadius(original, chaos, catalog);
    if (!options.cloudtrail || !options.observedSinceSeconds) return { ok: true, blastRadius: radius };
    const now = options.now ?? new Date();
    let observed: ObservedPrediction;
    try {
      const found = await observedCalls(options.cloudtrail, {
        roleArn: original.roleArn,
        since: new Date(now.getTime() - options.observedSinceSeconds * 1000),
        until: now,
        ...call,
      });
      const lostActions = new Set(radius.lost.map((l) => l.action.toLowerCase()));
      observed = {
        ok: true,
        since: found.since,
        truncated: found.truncated,
        calls: found.calls.map((c) => ({ ...c, willFail: chaos === null || lostActions.has(c.action.toLowerCase()) })),
      };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      observed = {
        ok: false,
        reason: `CloudTrail could not be read: ${e.name ?? 'Error'}: ${e.message ?? ''} (the runner needs cloudtrail:LookupEvents)`,
      };
    }
    return { ok: true, blastRadius: radius, observed };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const hint = /AccessDenied/.test(e.name ?? '')
      ? ' (the runner needs iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion on the two roles to predict)'
      : '';
    return {
      ok: false,
      reason: `the roles' policies could not be read: ${e.name ?? 'Error'}: ${e.message ?? ''}${hint}`,
    };
  }
}
