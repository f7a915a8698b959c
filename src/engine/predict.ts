/** The prediction of what will fail: the blast radius of the swap, read from IAM. */
import { parseRoleArn } from '../aws/arn.js';
import type { CallOptions, IamPort } from '../aws/ports.js';
import { blastRadius, NO_CATALOG, type ActionLookup, type BlastRadius } from '../iam/blast-radius.js';
import { collectRolePermissions } from '../iam/role-permissions.js';

/** A blast radius, or why it could not be computed (e.g. the runner may not read IAM). */
export type Prediction =
  { readonly ok: true; readonly blastRadius: BlastRadius } | { readonly ok: false; readonly reason: string };

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
    return { ok: true, blastRadius: blastRadius(original, chaos, catalog) };
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
