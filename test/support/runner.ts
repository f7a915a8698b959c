/**
 * The runner of the least-privilege tests: a sandbox IAM user with its own access key, given
 * exactly one managed policy at a time (the one `ecs-chaos policy` printed, or it less an action).
 */
import type { Sandbox } from '../../sandbox/index.js';

/** An IAM policy document as `ecs-chaos policy` prints it. */
export interface PolicyDoc {
  Version: string;
  Statement: Array<{ Sid: string; Effect: string; Action: string[]; Resource: string[]; Condition?: unknown }>;
}

/** The policy less one action (a statement left with none is dropped). */
export function withoutAction(doc: PolicyDoc, action: string): PolicyDoc {
  return {
    ...doc,
    Statement: doc.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== action) })).filter(
      (s) => s.Action.length > 0,
    ),
  };
}

/** The runner and the environments to run the CLI as it and as the sandbox's admin. */
export interface Runner {
  /** The sandbox's admin keys: for `ecs-chaos policy` and set-up. */
  readonly adminEnv: NodeJS.ProcessEnv;
  /** The runner's keys. */
  readonly runnerEnv: NodeJS.ProcessEnv;
  /** Gives the runner exactly this policy, as a managed policy (it replaces the last one). */
  readonly grant: (doc: PolicyDoc) => void;
}

/**
 * Creates the user `name` with `key` in the sandbox. `policyPrefix` names the managed policies
 * `grant` creates; `env` is added to both environments.
 */
export function createRunner(
  sandbox: Sandbox,
  options: {
    readonly name?: string;
    readonly key: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly policyPrefix: string;
    readonly env?: NodeJS.ProcessEnv;
  },
): Runner {
  const name = options.name ?? 'runner';
  const iam = sandbox.world.iam;
  iam.createUser(name);
  iam.createAccessKey(name, options.key);
  const base = {
    AWS_ENDPOINT_URL: sandbox.endpoint,
    ECS_CHAOS_POLL_INTERVAL_MS: '50',
    AWS_PROFILE: '',
    AWS_REGION: '',
    ...options.env,
  };
  let granted: string | undefined;
  let version = 0;
  return {
    adminEnv: { ...base, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    runnerEnv: {
      ...base,
      AWS_ACCESS_KEY_ID: options.key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: options.key.secretAccessKey,
    },
    grant: (doc) => {
      if (granted) iam.detachUserPolicy(name, granted);
      granted = iam.createPolicy({ policyName: `${options.policyPrefix}-${++version}`, document: doc }).arn;
      iam.attachUserPolicy(name, granted);
    },
  };
}
