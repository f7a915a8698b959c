/** The exact command that repairs what an experiment left behind. */
import type { ExperimentSpec } from '../config/spec.js';

/** `ecs-chaos recover --cluster C --service S --region R [--endpoint-url U]` */
export function recoverCommand(spec: Pick<ExperimentSpec, 'cluster' | 'service' | 'region' | 'auth'>): string {
  return targetCommand('recover', spec);
}

/** `ecs-chaos status --cluster C --service S --region R [--endpoint-url U]` */
export function statusCommand(spec: Pick<ExperimentSpec, 'cluster' | 'service' | 'region' | 'auth'>): string {
  return targetCommand('status', spec);
}

/** The command for a target; without a service, the whole cluster. */
export function targetCommand(
  command: 'recover' | 'status',
  spec: Pick<ExperimentSpec, 'cluster' | 'region' | 'auth'> & { readonly service?: string | undefined },
): string {
  const parts = ['ecs-chaos', command, '--cluster', spec.cluster];
  if (spec.service) parts.push('--service', spec.service);
  parts.push('--region', spec.region);
  if (spec.auth.endpointUrl) parts.push('--endpoint-url', spec.auth.endpointUrl);
  if (spec.auth.profile) parts.push('--profile', spec.auth.profile);
  return parts.join(' ');
}
