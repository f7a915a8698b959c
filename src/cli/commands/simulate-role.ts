/**
 * `ecs-chaos simulate-role`: run code locally under a role's permissions without assuming the role
 * (the iam-sudo technique, ../shared/DOMAIN.md section 3). The role's inline policies and managed
 * policy ARNs become the session policies of a session of a broader base role, whose effective
 * permissions are then the intersection: what the role allows, as far as the base role allows it.
 *
 * Exit codes: 0 when the credentials were written (profile mode); the command's own exit code in
 * command mode (128 + the signal number when a signal ended it, 127 when it could not be started);
 * 2 for invalid input, an exceeded limit, or a refusal by AWS (nothing written, nothing run).
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { readFile } from 'node:fs/promises';
import { parseArn, parseRoleArn } from '../../aws/arn.js';
import type { AwsPorts } from '../../aws/ports.js';
import type { AuthSpec } from '../../config/spec.js';
import { ChaosError, InvalidInputError } from '../../errors.js';
import { collectRolePermissions } from '../../iam/role-permissions.js';
import { buildSessionPolicy, checkSessionPolicyLimits, type SessionPolicy } from '../../iam/session-policy.js';
import { portsFor } from '../aws-ports.js';
import { EXIT } from '../exit-codes.js';
import { holdsLongTermKeys, sharedCredentialsPath, writeCredentialsProfile } from '../credentials-profile.js';

/** What `simulate-role` reads from the command line and the process. */
export interface SimulateRoleCommandInput {
  /**
   * The flags (commander keys): `roleName`, `baseRole` (required); `profile`, `region`,
   * `endpointUrl`, `durationSeconds`, `authSecretFile`, `assumeRoleArn`, `sourceProfile`.
   */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The command to run with the credentials (what follows `--`); empty for none. */
  readonly argv: readonly string[];
}

/** Options of {@link simulateRoleCommand} that tests and embedders may set. */
export interface SimulateRoleCommandOptions {
  /** Aborting sends SIGTERM to the command. */
  readonly signal?: AbortSignal;
  /** Ports to use instead of SDK clients built from the flags (tests). */
  readonly ports?: Pick<AwsPorts, 'iam' | 'sts'>;
}

/** The simulate-role request, parsed and validated. */
interface SimulateRoleSpec {
  readonly roleName: string;
  /** The base role: an ARN, or a name to resolve in the caller's account. */
  readonly baseRole: { readonly arn: string } | { readonly name: string };
  readonly profile: string | undefined;
  readonly region: string;
  readonly durationSeconds: number | undefined;
  readonly auth: AuthSpec;
  readonly command: readonly string[];
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const PROFILE = /^[\w+=,.@:/-]{1,128}$/;
/** STS's DurationSeconds range (the role's MaxSessionDuration may lower the maximum). */
const DURATION = { min: 900, max: 43_200 } as const;
/** RoleSessionName: at most 64 of `[\w+=,.@-]`. */
const SESSION_NAME_MAX = 64;

type Flags = SimulateRoleCommandInput['flags'];
type Env = SimulateRoleCommandInput['env'];

function text(flags: Flags, key: string): string | undefined {
  const value = flags[key];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** The first of flag, then env vars, that is set and not empty; with where it came from. */
function pick(
  flags: Flags,
  env: Env,
  key: string,
  flag: string,
  envs: readonly string[],
): [string, string] | undefined {
  const fromFlag = text(flags, key);
  if (fromFlag !== undefined && fromFlag !== '') return [fromFlag, `flag ${flag}`];
  for (const name of envs) {
    const value = env[name]?.trim();
    if (value) return [value, `env ${name}`];
  }
  return undefined;
}

function parseRoleRef(value: string, field: string, source: string): { arn: string } | { name: string } {
  if (value.startsWith('arn:')) {
    const parsed = parseRoleArn(value);
    if (!parsed.ok)
      throw new InvalidInputError(field, value, parsed.reason, 'pass a role name or arn:aws:iam::ACCOUNT:role/NAME', {
        source,
      });
    return { arn: value };
  }
  if (!ROLE_NAME.test(value))
    throw new InvalidInputError(
      field,
      value,
      'is not a valid role name (1 to 64 letters, digits and + = , . @ _ -)',
      'pass a role name or arn:aws:iam::ACCOUNT:role/NAME',
      { source },
    );
  return { name: value };
}

/** Parses the flags and env vars into the request; throws {@link InvalidInputError}. */
function parseSpec(input: SimulateRoleCommandInput): SimulateRoleSpec {
  const { flags, env } = input;
  const roleRaw = text(flags, 'roleName');
  if (!roleRaw)
    throw new InvalidInputError(
      '--role-name',
      roleRaw ?? null,
      'is required',
      'pass the role to simulate, e.g. --role-name orders-task-role',
    );
  const role = parseRoleRef(roleRaw, '--role-name', 'flag --role-name');
  const parsedRole = 'arn' in role ? parseRoleArn(role.arn) : undefined;
  const roleName = parsedRole?.ok ? parsedRole.arn.roleName : 'name' in role ? role.name : roleRaw;
  const baseRaw = text(flags, 'baseRole');
  if (!baseRaw)
    throw new InvalidInputError(
      '--base-role',
      baseRaw ?? null,
      'is required',
      'pass a role you may assume whose permissions cover the simulated role, e.g. --base-role chaos-runner',
    );
  const baseRole = parseRoleRef(baseRaw, '--base-role', 'flag --base-role');

  const profile = text(flags, 'profile');
  if (profile !== undefined && !PROFILE.test(profile))
    throw new InvalidInputError(
      '--profile',
      profile,
      'is not a profile name',
      'pass a name of letters, digits and + = , . @ : / _ -',
      { source: 'flag --profile' },
    );
  const command = [...input.argv];
  if (profile === undefined && command.length === 0)
    throw new InvalidInputError(
      '--profile',
      null,
      'neither a profile to write nor a command to run was given',
      'pass --profile NAME to save the credentials, and/or a command after -- to run with them',
    );

  const regionPicked = pick(flags, env, 'region', '--region', ['REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION']);
  const region = regionPicked?.[0] ?? 'us-east-1';
  if (!REGION.test(region))
    throw new InvalidInputError('--region', region, 'is not an AWS region', 'pass an AWS region such as us-east-1', {
      source: regionPicked?.[1] ?? 'default',
    });

  const durationRaw = text(flags, 'durationSeconds');
  let durationSeconds: number | undefined;
  if (durationRaw !== undefined) {
    const n = Number(durationRaw);
    if (!/^\d+$/.test(durationRaw) || n < DURATION.min || n > DURATION.max)
      throw new InvalidInputError(
        '--duration-seconds',
        durationRaw,
        `must be whole seconds from ${DURATION.min} to ${DURATION.max}`,
        'pass e.g. 3600 (the base role may allow less: its MaxSessionDuration, and 3600 when chained)',
        { source: 'flag --duration-seconds' },
      );
    durationSeconds = n;
  }

  const endpoint = pick(flags, env, 'endpointUrl', '--endpoint-url', ['AWS_ENDPOINT_URL']);
  if (endpoint) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(endpoint[0]).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new InvalidInputError(
        '--endpoint-url',
        endpoint[0],
        'is not an http(s) URL',
        'pass e.g. http://127.0.0.1:4599',
        {
          source: endpoint[1],
        },
      );
  }
  const assume = pick(flags, env, 'assumeRoleArn', '--assume-role-arn', ['ASSUME_ROLE_ARN']);
  if (assume && !parseRoleArn(assume[0]).ok)
    throw new InvalidInputError(
      '--assume-role-arn',
      assume[0],
      'is not a role ARN',
      'pass arn:aws:iam::ACCOUNT:role/NAME, or leave it unset',
      { source: assume[1] },
    );
  return {
    roleName,
    baseRole,
    profile,
    region,
    durationSeconds,
    auth: {
      authSecretFile: pick(flags, env, 'authSecretFile', '--auth-secret-file', ['AWS_AUTHENTICATION_SECRET'])?.[0],
      profile: pick(flags, env, 'sourceProfile', '--source-profile', ['AWS_PROFILE'])?.[0],
      assumeRoleArn: assume?.[0],
      endpointUrl: endpoint?.[0],
    },
    command,
  };
}

/** AWS errors that mean the request was refused for a reason the user can fix. */
const REFUSALS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'ValidationError',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'RegionDisabledException',
]);

function refusalFix(name: string, what: 'read' | 'assume', spec: SimulateRoleSpec, baseArn: string): string {
  if (name.startsWith('PackedPolicyTooLarge'))
    return 'STS packs (compresses) the session policies and found them too large: move inline statements into a managed policy, or shorten them';
  if (name.startsWith('NoSuchEntity'))
    return what === 'read' ? `check the role name ${spec.roleName}` : `check the base role ${baseArn}`;
  if (name.startsWith('AccessDenied'))
    return what === 'read'
      ? 'the caller needs iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion on the role and its policies'
      : `the caller needs sts:AssumeRole on ${baseArn}, and the base role's trust policy must allow the caller`;
  if (name === 'ValidationError' && spec.durationSeconds !== undefined)
    return "lower --duration-seconds to the base role's MaxSessionDuration (3600 at most when the base credentials are themselves a role session)";
  return 'see the message from AWS';
}

/** Turns an AWS refusal into exit 2 with a message; rethrows anything else. */
function refusal(err: unknown, doing: string, fix: string): ChaosError | undefined {
  const error = err as Error & { $metadata?: unknown };
  if (err instanceof ChaosError) return err.fault === 'user' ? err : undefined;
  if (!REFUSALS.has(error?.name)) return undefined;
  const message = (error.message || error.name).split('\n')[0] ?? error.name;
  return new InvalidInputError('simulate-role', doing, `AWS refused it: ${message} (${error.name})`, fix);
}

function sessionName(roleName: string): string {
  return `ecs-chaos-simulate-${roleName}`.slice(0, SESSION_NAME_MAX);
}

/** The environment of the command: the session's keys, the region, the endpoint; no other credential source. */
function commandEnv(
  env: Env,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  spec: SimulateRoleSpec,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  // Other credential sources must not win over (or mix with) the session's keys.
  for (const name of [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SECURITY_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_ROLE_SESSION_NAME',
    'AWS_AUTHENTICATION_SECRET',
    'ASSUME_ROLE_ARN',
    'AWS_CREDENTIAL_EXPIRATION',
  ])
    delete out[name];
  out.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  out.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  out.AWS_SESSION_TOKEN = credentials.sessionToken;
  out.AWS_REGION = spec.region;
  out.AWS_DEFAULT_REGION = spec.region;
  if (spec.auth.endpointUrl) out.AWS_ENDPOINT_URL = spec.auth.endpointUrl;
  return out;
}

/** Runs the command (no shell) and resolves with its exit code. */
function runCommand(
  command: readonly string[],
  env: Record<string, string>,
  input: SimulateRoleCommandInput,
  signal: AbortSignal | undefined,
): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  const inherit = input.stdout === process.stdout && input.stderr === process.stderr;
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: inherit ? 'inherit' : ['inherit', 'pipe', 'pipe'] });
    if (!inherit) {
      child.stdout?.pipe(input.stdout, { end: false });
      child.stderr?.pipe(input.stderr, { end: false });
    }
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      input.stderr.write(
        `ecs-chaos: cannot run ${file}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`,
      );
      resolve(127);
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (code !== null) resolve(code);
      else resolve(128 + (killedBy ? (osConstants.signals[killedBy] ?? 0) : 0));
    });
  });
}

function describeLimits(session: SessionPolicy): string {
  return (
    `${session.policyArns.length} managed policy ARN(s), inline session policy ` +
    `${session.policyCharacters} characters (${session.statementCount} statement(s))`
  );
}

/**
 * `ecs-chaos simulate-role --role-name R --base-role B [--profile P] [-- command args...]`.
 *
 * Reads R's policies (IAM), builds the session policy, checks AWS's limits, assumes B with them
 * (`ecs-chaos-simulate-R`), then writes the credentials to profile P of the shared credentials
 * file and/or runs the command with them in its environment. Never prints a secret.
 *
 * Flags (commander keys): `roleName`, `baseRole` (a role ARN, or a name in the caller's account),
 * `profile`, `region` (default REGION, AWS_REGION, AWS_DEFAULT_REGION, then us-east-1),
 * `endpointUrl`, `durationSeconds` (900..43200), and for the base credentials `authSecretFile`,
 * `assumeRoleArn`, `sourceProfile` (default AWS_PROFILE).
 *
 * @returns the exit code: see the module comment
 * @example
 * process.exitCode = await simulateRoleCommand({ flags, env: process.env, stdout: process.stdout, stderr: process.stderr, argv: ['aws', 's3', 'ls'] });
 */
export async function simulateRoleCommand(
  input: SimulateRoleCommandInput,
  options: SimulateRoleCommandOptions = {},
): Promise<number> {
  const say = (line: string): void => void input.stderr.write(`ecs-chaos: ${line}\n`);
  let spec: SimulateRoleSpec;
  try {
    spec = parseSpec(input);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    say(`${err.message}\nnothing was changed.`);
    return EXIT.invalidInput;
  }

  const built = options.ports ? undefined : portsFor(spec, input.env);
  const ports = options.ports ?? built!;
  const signal = options.signal;
  const fail = (err: ChaosError): number => {
    say(`${err.message}\nnothing was changed.`);
    return EXIT.invalidInput;
  };
  try {
    let baseArn = 'arn' in spec.baseRole ? spec.baseRole.arn : `role ${spec.baseRole.name}`;
    if ('name' in spec.baseRole) {
      try {
        const caller = await ports.sts.getCallerIdentity(signal ? { abortSignal: signal } : {});
        const partition = parseArn(caller.Arn ?? '')?.partition ?? 'aws';
        baseArn = `arn:${partition}:iam::${caller.Account}:role/${spec.baseRole.name}`;
      } catch (err) {
        const refused = refusal(err, 'GetCallerIdentity', 'check the base credentials');
        if (refused) return fail(refused);
        throw err;
      }
    }

    let session: SessionPolicy;
    try {
      const perms = await collectRolePermissions(ports.iam, spec.roleName, signal ? { abortSignal: signal } : {});
      session = buildSessionPolicy(perms);
    } catch (err) {
      const refused = refusal(
        err,
        `reading role ${spec.roleName}`,
        refusalFix((err as Error).name, 'read', spec, baseArn),
      );
      if (refused) return fail(refused);
      throw err;
    }
    say(`simulating role ${session.roleArn}: ${describeLimits(session)}`);
    for (const note of session.notes) say(`note: ${note}`);
    const violations = checkSessionPolicyLimits(session);
    if (violations.length > 0) {
      for (const v of violations)
        say(`limit exceeded (${v.limit}): ${v.message} Measured ${v.measured}, maximum ${v.maximum}. Fix: ${v.fix}.`);
      say('nothing was changed.');
      return EXIT.invalidInput;
    }

    let assumed;
    try {
      assumed = await ports.sts.assumeRole(
        {
          RoleArn: baseArn,
          RoleSessionName: sessionName(spec.roleName),
          ...(session.policy !== undefined ? { Policy: session.policy } : {}),
          ...(session.policyArns.length > 0 ? { PolicyArns: session.policyArns.map((arn) => ({ arn })) } : {}),
          ...(spec.durationSeconds !== undefined ? { DurationSeconds: spec.durationSeconds } : {}),
        },
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      const refused = refusal(
        err,
        `assuming base role ${baseArn}`,
        refusalFix((err as Error).name, 'assume', spec, baseArn),
      );
      if (refused) return fail(refused);
      throw err;
    }
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new ChaosError('SIMULATE_ROLE', `AssumeRole on ${baseArn} answered without credentials`, { fault: 'aws' });
    const credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    };
    const expires = c.Expiration ? ` until ${c.Expiration.toISOString()}` : '';
    const packed =
      assumed.PackedPolicySize === undefined ? '' : `; packed policy size ${assumed.PackedPolicySize}% of AWS's limit`;
    say(`session ${assumed.AssumedRoleUser?.Arn ?? sessionName(spec.roleName)}${expires}${packed}`);

    if (spec.profile !== undefined) {
      const path = sharedCredentialsPath(input.env);
      let existing = '';
      try {
        existing = await readFile(path, 'utf8');
      } catch {
        existing = '';
      }
      if (holdsLongTermKeys(existing, spec.profile))
        return fail(
          new InvalidInputError(
            '--profile',
            spec.profile,
            `profile ${spec.profile} of ${path} holds long-term access keys, which simulate-role would overwrite`,
            'pass another profile name (e.g. the simulated role name)',
            { source: 'flag --profile' },
          ),
        );
      await writeCredentialsProfile(
        path,
        spec.profile,
        { ...credentials, ...(c.Expiration ? { expiration: c.Expiration } : {}) },
        `ecs-chaos simulate-role ${session.roleName} on ${baseArn}`,
      );
      say(`credentials saved under profile ${spec.profile} of ${path}${expires}`);
    }
    if (spec.command.length === 0) return EXIT.ok;
    return await runCommand(spec.command, commandEnv(input.env, credentials, spec), input, signal);
  } finally {
    built?.destroy();
  }
}
