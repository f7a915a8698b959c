/**
 * `ecs-chaos policy`: the least-privilege policy of the principal that runs ecs-chaos, derived from
 * the calls the tool makes and scoped to the given cluster, service and roles where IAM allows.
 */
import { parseRoleArn } from '../../aws/arn.js';
import { loadTargetSpec } from '../../config/load.js';
import { FAULTS } from '../../config/spec.js';
import { InvalidInputError } from '../../errors.js';
import { requiredPermissions, runnerPolicyDocument, type RunnerPolicyScope } from '../../iam/runner-policy.js';
import { portsFor } from '../aws-ports.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { progressOptions, streamIoHost } from '../render.js';
import type { ExperimentCommandInput } from './experiment.js';

export async function policyCommand(input: ExperimentCommandInput): Promise<ExitCode> {
  const fault = typeof input.flags.fault === 'string' ? input.flags.fault : 'update-task-role';
  if (!(FAULTS as readonly string[]).includes(fault))
    throw new InvalidInputError(
      '--fault',
      fault,
      `is not a fault ecs-chaos knows (known faults: ${FAULTS.join(', ')})`,
      `pass one of ${FAULTS.join(', ')}`,
      {
        source: 'flag --fault',
      },
    );
  // The chaos role the fault's revision names, which the runner passes: TASK_ROLE or EXECUTION_ROLE.
  const roleField =
    fault === 'update-task-role'
      ? { flag: 'taskRole', option: '--task-role', env: 'TASK_ROLE' }
      : fault === 'update-execution-role'
        ? { flag: 'executionRole', option: '--execution-role', env: 'EXECUTION_ROLE' }
        : undefined;
  const fromFlag = roleField && typeof input.flags[roleField.flag] === 'string';
  const taskRole = roleField
    ? fromFlag
      ? (input.flags[roleField.flag] as string)
      : input.env[roleField.env]
    : undefined;
  if (taskRole && roleField) {
    const parsed = parseRoleArn(taskRole);
    if (!parsed.ok) {
      throw new InvalidInputError(roleField.env, taskRole, parsed.reason, `pass the ARN of the chaos role`, {
        source: fromFlag ? `flag ${roleField.option}` : `env ${roleField.env}`,
      });
    }
  }
  // stderr: --log-format (auto: text on a terminal, JSON lines otherwise) and --quiet.
  const io = streamIoHost(input.stderr, progressOptions(input.flags));
  let scope: RunnerPolicyScope = { fault, ...(taskRole ? { chaosRoleArn: taskRole } : {}) };
  const cluster = input.flags.cluster ?? input.env.CLUSTER_NAME;
  if (cluster !== undefined) {
    const spec = loadTargetSpec({ flags: input.flags, env: input.env });
    scope = {
      ...scope,
      region: spec.region,
      cluster: spec.cluster,
      ...(spec.service ? { service: spec.service } : {}),
    };
    if (spec.service) {
      // Read the service to scope iam:PassRole to its roles and the revisions to its family.
      const ports = portsFor(spec, input.env, io);
      try {
        const svc = (await ports.ecs.describeServices({ cluster: spec.cluster, services: [spec.service] }))
          .services?.[0];
        if (!svc) throw new Error(`service ${spec.service} not found in cluster ${spec.cluster}`);
        const td = (await ports.ecs.describeTaskDefinition({ taskDefinition: svc.taskDefinition! })).taskDefinition!;
        const arn = svc.serviceArn!.split(':');
        scope = {
          ...scope,
          partition: arn[1],
          accountId: arn[4],
          family: td.family,
          loadBalanced: (svc.loadBalancers ?? []).some((lb) => lb.targetGroupArn !== undefined),
          ...(td.taskRoleArn ? { originalTaskRoleArn: td.taskRoleArn } : {}),
          ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
        };
      } catch (error) {
        io.note(
          `ecs-chaos: could not read the service to scope the policy (${(error as Error).message}); roles and the family stay wildcards`,
          { level: 'warn' },
        );
      } finally {
        ports.destroy();
      }
    }
  }
  const permissions = requiredPermissions(scope);
  input.stdout.write(`${JSON.stringify(runnerPolicyDocument(permissions), null, 2)}\n`);
  const whys = new Map(permissions.map((p) => [p.sid, p.why]));
  // A comment on the policy, not part of it (dropped by --quiet): shell comments, or one JSON line.
  if (io.format === 'json') io.note('what each statement is for', { data: { statements: Object.fromEntries(whys) } });
  else io.note(`# what each statement is for:\n${[...whys].map(([sid, why]) => `#   ${sid}: ${why}`).join('\n')}`);
  io.close();
  return EXIT.ok;
}
