/**
 * The STS query service: caller identity and role sessions. AssumeRole and
 * AssumeRoleWithWebIdentity ask the role's trust policy (through the policy evaluator) and issue
 * temporary credentials the server then recognises, until they expire.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { parseArn, parseRoleArn } from '../../src/aws/arn.js';
import { globalConditionKeys, type ConditionContext } from '../../src/iam/evaluate.js';
import { parsePolicyDocument } from '../../src/iam/policy.js';
import { AwsError } from '../core/errors.js';
import type { Credential, KeyStore, Principal } from '../core/identity.js';
import { iamId, secretKey } from '../core/ids.js';
import type { OidcIssuer } from '../core/oidc.js';
import type { QueryParams } from '../core/query.js';
import type { QueryService, RequestContext } from '../core/service.js';
import type { XmlValue } from '../core/xml.js';
import { Constraints, constraintPattern, type IamStore, type Role } from '../iam/store.js';

/** STS's limits on sessions. */
export const STS_LIMITS = {
  minDurationSeconds: 900,
  maxDurationSeconds: 43200,
  defaultDurationSeconds: 3600,
  /** A session assumed from another session (role chaining) lasts at most one hour. */
  chainedMaxDurationSeconds: 3600,
  /** Characters of the inline session policy. */
  sessionPolicyLength: 2048,
  managedSessionPolicies: 10,
  /**
   * The packed (compressed) size of the session policies that makes 100% of PackedPolicySize. AWS
   * does not publish its packing; the sandbox deflates the minified policy and the policy ARNs,
   * which gives figures of the same order as AWS reports.
   */
  packedPolicyBytes: 1024,
} as const;

const SESSION_NAME = constraintPattern('[\\w+=,.@-]*');
const EXTERNAL_ID = constraintPattern('[\\w+=,.@:\\/-]*');

/** Options of {@link issueRoleSession}. */
export interface IssueRoleSessionInput {
  readonly keys: KeyStore;
  readonly role: Role;
  readonly accountId: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  /** The current time in epoch milliseconds. */
  readonly now: number;
  /** The inline session policy (JSON). */
  readonly sessionPolicy?: string;
  /** Managed session policy ARNs. */
  readonly sessionPolicyArns?: readonly string[];
}

/**
 * Issues temporary credentials for a role session and registers them with the KeyStore: an
 * `ASIA...` key, a session token the server requires with it, and an expiry after which the server
 * answers ExpiredToken. Also what the sandbox's simulated tasks use to act under their task role.
 */
export function issueRoleSession(input: IssueRoleSessionInput): Credential {
  const principal: Principal = {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${input.accountId}:assumed-role/${input.role.roleName}/${input.sessionName}`,
    accountId: input.accountId,
    userId: `${input.role.roleId}:${input.sessionName}`,
    roleArn: input.role.arn,
    sessionName: input.sessionName,
    ...(input.sessionPolicy !== undefined && { sessionPolicy: input.sessionPolicy }),
    ...(input.sessionPolicyArns &&
      input.sessionPolicyArns.length > 0 && { sessionPolicyArns: input.sessionPolicyArns }),
  };
  const credential: Credential = {
    accessKeyId: iamId('ASIA', 20),
    secretAccessKey: secretKey(),
    // Real session tokens are long opaque base64 blobs; SDKs only pass them back.
    sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(240).toString('base64')}`,
    expiresAt: input.now + input.durationSeconds * 1000,
    principal,
  };
  input.keys.add(credential);
  return credential;
}

function credentialsXml(credential: Credential): XmlValue {
  return {
    AccessKeyId: credential.accessKeyId,
    SecretAccessKey: credential.secretAccessKey,
    SessionToken: credential.sessionToken,
    Expiration: new Date(credential.expiresAt ?? 0),
  };
}

function assumedRoleUserXml(credential: Credential): XmlValue {
  return { AssumedRoleId: credential.principal.userId, Arn: credential.principal.arn };
}

/** The parameters AssumeRole and AssumeRoleWithWebIdentity share, read and validated. */
interface SessionRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number | undefined;
  readonly policy: string | undefined;
  readonly policyArns: string[];
}

function readSessionRequest(params: QueryParams, constraints: Constraints): SessionRequest {
  const roleArn = params.required('RoleArn');
  const sessionName = params.required('RoleSessionName');
  const durationSeconds = params.int('DurationSeconds');
  const policy = params.get('Policy');
  const policyArns = params.structs('PolicyArns', ['arn'] as const).map((item) => item.arn ?? '');
  constraints
    .length('roleArn', roleArn, { min: 20, max: 2048 })
    .length('roleSessionName', sessionName, { min: 2, max: 64 })
    .pattern('roleSessionName', sessionName, SESSION_NAME)
    .range('durationSeconds', durationSeconds, {
      min: STS_LIMITS.minDurationSeconds,
      max: STS_LIMITS.maxDurationSeconds,
    })
    .length('policy', policy, { min: 1, max: STS_LIMITS.sessionPolicyLength })
    .length('policyArns', policyArns, { max: STS_LIMITS.managedSessionPolicies });
  policyArns.forEach((arn, i) => constraints.length(`policyArns.${i + 1}.member.arn`, arn, { min: 20, max: 2048 }));
  return { roleArn, sessionName, durationSeconds, policy, policyArns };
}

/** Checks the ARNs and the inline session policy, the parts STS reads before asking the trust policy. */
function checkSessionRequest(request: SessionRequest): void {
  if (!parseRoleArn(request.roleArn).ok) throw new AwsError('ValidationError', `${request.roleArn} is invalid`);
  for (const arn of request.policyArns) {
    const parsed = parseArn(arn);
    if (!parsed || parsed.service !== 'iam' || !parsed.resource.startsWith('policy/')) {
      throw new AwsError('ValidationError', `${arn} is invalid`);
    }
  }
  if (request.policy !== undefined) {
    const parsed = parsePolicyDocument(request.policy, 'identity');
    if (!parsed.ok) throw new AwsError('MalformedPolicyDocument', parsed.reason);
  }
}

/** The session's length: requested or one hour, within the role's limit (and one hour when chained). */
function sessionDuration(request: SessionRequest, role: Role, chained: boolean): number {
  const duration = request.durationSeconds ?? STS_LIMITS.defaultDurationSeconds;
  if (chained && duration > STS_LIMITS.chainedMaxDurationSeconds) {
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > role.maxSessionDuration) {
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  return duration;
}

/**
 * PackedPolicySize: the share, in percent, of the packed session policy space the session's
 * policies take; undefined when the request passes none, as AWS then leaves it out.
 */
function packedPolicySize(request: SessionRequest): number | undefined {
  if (request.policy === undefined && request.policyArns.length === 0) return undefined;
  const minified = request.policy === undefined ? '' : JSON.stringify(JSON.parse(request.policy));
  const packed = deflateRawSync(Buffer.from([minified, ...request.policyArns].join('\n'))).length;
  const percent = Math.ceil((100 * packed) / STS_LIMITS.packedPolicyBytes);
  if (percent > 100) {
    throw new AwsError(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy for the session.`,
    );
  }
  return percent;
}

/**
 * Creates the STS service (`sts`, API version 2011-06-15). AssumeRoleWithWebIdentity is served
 * unsigned, as AWS serves it: the token is the credential.
 *
 * Web identity tokens are accepted only from an issuer registered with
 * {@link IamStore.addOidcProvider} and for one of its client ids, as in AWS.
 */
export function createStsService(deps: {
  iam: IamStore;
  keys: KeyStore;
  oidc: OidcIssuer;
  now: () => number;
}): QueryService {
  const { iam, keys, oidc } = deps;

  /** A session of `role` for an AssumeRole* request, in the answer's shape. */
  const roleSession = (request: SessionRequest, role: Role, chained: boolean, now: Date) => {
    // Validated before any session is issued: a refused request leaves no credential behind.
    const durationSeconds = sessionDuration(request, role, chained);
    const packed = packedPolicySize(request);
    const credential = issueRoleSession({
      keys,
      role,
      accountId: iam.accountId,
      sessionName: request.sessionName,
      durationSeconds,
      now: now.getTime(),
      ...(request.policy !== undefined && { sessionPolicy: request.policy }),
      sessionPolicyArns: request.policyArns,
    });
    return {
      Credentials: credentialsXml(credential),
      AssumedRoleUser: assumedRoleUserXml(credential),
      PackedPolicySize: packed,
    };
  };

  function requestKeys(ctx: RequestContext, caller: Principal | undefined, sessionName: string): ConditionContext {
    return {
      ...globalConditionKeys({
        ...(caller && { caller }),
        now: ctx.now,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        region: ctx.region,
      }),
      'sts:RoleSessionName': sessionName,
    };
  }

  function signedCaller(ctx: RequestContext): Principal {
    if (!ctx.principal)
      throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    return ctx.principal;
  }

  return {
    protocol: 'query',
    name: 'sts',
    apiVersion: '2011-06-15',
    xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/',
    unsigned: new Set(['AssumeRoleWithWebIdentity']),
    handlers: {
      GetCallerIdentity: (_params, ctx) => {
        const caller = signedCaller(ctx);
        return { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn };
      },

      AssumeRole: (params, ctx) => {
        const caller = signedCaller(ctx);
        const constraints = new Constraints();
        const request = readSessionRequest(params, constraints);
        const externalId = params.get('ExternalId');
        constraints
          .length('externalId', externalId, { min: 2, max: 1224 })
          .pattern('externalId', externalId, EXTERNAL_ID)
          .check();
        checkSessionRequest(request);
        const role = iam.getRoleByArn(request.roleArn);
        const context: ConditionContext = {
          ...requestKeys(ctx, caller, request.sessionName),
          ...(externalId !== undefined && { 'sts:ExternalId': externalId }),
        };
        const trusted =
          role !== undefined &&
          iam.roleTrusts(role, {
            action: 'sts:AssumeRole',
            principal: {
              kind: 'AWS',
              arn: caller.arn,
              accountId: caller.accountId,
              ...(caller.roleArn !== undefined && { roleArn: caller.roleArn }),
            },
            context,
          });
        if (!role || !trusted) {
          // The same answer whether the role is missing or refuses: AWS does not reveal which.
          throw new AwsError(
            'AccessDenied',
            `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`,
            403,
          );
        }
        const session = roleSession(request, role, caller.type === 'AssumedRole', ctx.now);
        return {
          Credentials: session.Credentials,
          AssumedRoleUser: session.AssumedRoleUser,
          PackedPolicySize: session.PackedPolicySize,
        };
      },

      AssumeRoleWithWebIdentity: (params, ctx) => {
        const constraints = new Constraints();
        const request = readSessionRequest(params, constraints);
        const token = params.required('WebIdentityToken');
        constraints.length('webIdentityToken', token, { min: 4, max: 20000 }).check();
        checkSessionRequest(request);
        const verified = oidc.verify(token);
        if (!verified.ok) throw new AwsError(verified.code, verified.message);
        const { claims } = verified;
        const provider = iam.getOidcProviderForIssuer(claims.iss);
        if (!provider) {
          throw new AwsError(
            'InvalidIdentityToken',
            `No OpenIDConnect provider found in your account for ${claims.iss}`,
          );
        }
        const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
        const audience = audiences.find((aud) => provider.clientIds.includes(aud));
        if (audience === undefined) throw new AwsError('InvalidIdentityToken', 'Incorrect token audience');
        // Condition keys are named after the provider: `oidc.ecs-chaos.sandbox:sub`.
        const keyPrefix = provider.url.replace(/^https:\/\//, '');
        const role = iam.getRoleByArn(request.roleArn);
        const trusted =
          role !== undefined &&
          iam.roleTrusts(role, {
            action: 'sts:AssumeRoleWithWebIdentity',
            principal: { kind: 'Federated', provider: provider.arn },
            context: {
              ...requestKeys(ctx, undefined, request.sessionName),
              [`${keyPrefix}:sub`]: claims.sub,
              [`${keyPrefix}:aud`]: audience,
            },
          });
        if (!role || !trusted) {
          throw new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
        }
        const session = roleSession(request, role, false, ctx.now);
        return {
          Credentials: session.Credentials,
          SubjectFromWebIdentityToken: claims.sub,
          AssumedRoleUser: session.AssumedRoleUser,
          PackedPolicySize: session.PackedPolicySize,
          Provider: provider.arn,
          Audience: audience,
        };
      },
    },
  };
}
