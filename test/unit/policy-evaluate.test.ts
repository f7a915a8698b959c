import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorize,
  evaluatePolicies,
  globalConditionKeys,
  statementApplies,
  trustAllows,
  type ConditionContext,
  type RequestPrincipal,
} from '../../src/iam/evaluate.js';
import { parsePolicyDocument, policySize, type PolicyDocument, type PolicyKind } from '../../src/iam/policy.js';

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION: RequestPrincipal = {
  kind: 'AWS',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
  accountId: ACCOUNT,
  roleArn: ROLE_ARN,
};
const USER: RequestPrincipal = { kind: 'AWS', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, accountId: ACCOUNT };

function parse(document: unknown, kind: PolicyKind): PolicyDocument {
  const result = parsePolicyDocument(JSON.stringify(document), kind);
  if (!result.ok) throw new Error(`test policy is malformed: ${result.reason}`);
  return result.document;
}

function identity(...statements: object[]): PolicyDocument {
  return parse({ Version: '2012-10-17', Statement: statements }, 'identity');
}

function trust(...statements: object[]): PolicyDocument {
  return parse({ Version: '2012-10-17', Statement: statements }, 'trust');
}

function reason(document: unknown, kind: PolicyKind): string | undefined {
  const result = parsePolicyDocument(typeof document === 'string' ? document : JSON.stringify(document), kind);
  return result.ok ? undefined : result.reason;
}

function decide(document: PolicyDocument, action: string, resource: string, context?: ConditionContext): string {
  return evaluatePolicies({
    policies: [{ id: 'p', document }],
    request: { action, resource, ...(context && { context }) },
  }).decision;
}

/** Whether an Allow statement with this Condition applies in this context. */
function holds(condition: object, context: ConditionContext): boolean {
  const document = identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: condition });
  return decide(document, 's3:GetObject', 'arn:aws:s3:::bucket/key', context) === 'Allow';
}

describe('parsePolicyDocument', () => {
  test('accepts Statement as an object and values as strings, normalizing them to arrays', () => {
    const result = parsePolicyDocument(
      '{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}',
      'identity',
    );
    assert.deepEqual(result, {
      ok: true,
      document: {
        version: '2012-10-17',
        statements: [{ sid: 'One', effect: 'Allow', action: ['s3:GetObject'], resource: ['*'] }],
      },
    });
  });

  test('reads a document without Version as 2008-10-17', () => {
    const result = parsePolicyDocument(
      '{"Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":["*"]}]}',
      'identity',
    );
    assert.equal(result.ok && result.document.version, '2008-10-17');
  });

  test('turns JSON numbers and booleans of conditions into text', () => {
    const document = identity({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': true }, NumericLessThan: { 's3:max-keys': [10, 20] } },
    });
    assert.deepEqual(document.statements[0]?.condition, {
      Bool: { 'aws:SecureTransport': ['true'] },
      NumericLessThan: { 's3:max-keys': ['10', '20'] },
    });
  });

  test('refuses text that is not JSON, or not an object, as a syntax error', () => {
    assert.equal(reason('{"Version": ', 'identity'), 'Syntax errors in policy.');
    assert.equal(reason('[]', 'identity'), 'Syntax errors in policy.');
  });

  test('refuses unknown fields, unknown versions and an empty Statement', () => {
    const statement = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
    assert.equal(reason({ Version: '2012-10-17', Statment: [statement] }, 'identity'), 'Syntax errors in policy.');
    assert.equal(reason({ Version: '2012-10-18', Statement: [statement] }, 'identity'), 'Syntax errors in policy.');
    assert.equal(reason({ Version: '2012-10-17', Statement: [] }, 'identity'), 'Syntax errors in policy.');
    assert.equal(
      reason({ Version: '2012-10-17', Statement: [{ ...statement, Actions: 's3:*' }] }, 'identity'),
      'Syntax errors in policy.',
    );
  });

  test('refuses a missing or invalid Effect', () => {
    const base = { Action: 's3:*', Resource: '*' };
    assert.equal(reason({ Statement: [base] }, 'identity'), 'Syntax errors in policy.');
    assert.equal(reason({ Statement: [{ ...base, Effect: 'Permit' }] }, 'identity'), 'Syntax errors in policy.');
    assert.equal(reason({ Statement: [{ ...base, Effect: 'allow' }] }, 'identity'), 'The policy failed legacy parsing');
  });

  test('refuses a statement without actions, or an identity statement without resources', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'identity'),
      'Policy statement must contain actions.',
    );
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, 'identity'),
      'Policy statement must contain actions.',
    );
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 's3:*' }] }, 'identity'),
      'Policy statement must contain resources.',
    );
  });

  test('refuses Action with NotAction, and Principal with NotPrincipal, in one statement', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }] }, 'identity'),
      'Syntax errors in policy.',
    );
    assert.equal(
      reason(
        { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*', NotPrincipal: '*' }] },
        'trust',
      ),
      'Syntax errors in policy.',
    );
  });

  test('refuses a principal in an identity policy', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] }, 'identity'),
      'Policy document should not specify a principal.',
    );
  });

  test('refuses a resource in a trust policy, and a trust policy without principal', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }] }, 'trust'),
      'Has prohibited field Resource',
    );
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }, 'trust'),
      'Missing required field Principal',
    );
  });

  test('refuses a trust policy granting anything but STS actions', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] }, 'trust'),
      'AssumeRole policy may only specify STS AssumeRole actions.',
    );
  });

  test('refuses principals IAM does not accept', () => {
    const principal = (p: object) => ({ Statement: [{ Effect: 'Allow', Principal: p, Action: 'sts:AssumeRole' }] });
    assert.equal(reason(principal({ AWS: 'alice' }), 'trust'), 'Invalid principal in policy: "AWS":"alice"');
    assert.equal(
      reason(principal({ AWS: 'arn:aws:iam::123456789012:role/*' }), 'trust'),
      'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/*"',
    );
    assert.equal(
      reason(principal({ Service: 'ecs tasks' }), 'trust'),
      'Invalid principal in policy: "Service":"ecs tasks"',
    );
    assert.equal(reason(principal({ Robot: 'x' }), 'trust'), 'Invalid principal in policy: "Robot"');
    assert.equal(
      reason(principal({ AWS: ['123456789012', 'arn:aws:sts::123456789012:assumed-role/r/s'] }), 'trust'),
      undefined,
    );
  });

  test('refuses actions without a vendor and resources that are not ARNs', () => {
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] }, 'identity'),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    );
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 's3:Get:Object', Resource: '*' }] }, 'identity'),
      'Actions/Condition can contain only one colon.',
    );
    assert.equal(
      reason({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'my-bucket' }] }, 'identity'),
      'Resource my-bucket must be in ARN format or "*".',
    );
  });

  test('refuses duplicate and non-alphanumeric statement ids', () => {
    const statement = { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' };
    assert.equal(
      reason({ Statement: [statement, statement] }, 'identity'),
      'Statement IDs (SID) in a single policy must be unique.',
    );
    assert.match(reason({ Statement: [{ ...statement, Sid: 'a b' }] }, 'identity') ?? '', /must be alpha-numeric/);
  });

  test('refuses condition operators IAM does not know', () => {
    const statement = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
    assert.equal(
      reason({ Statement: [{ ...statement, Condition: { StringEqual: { 'aws:username': 'a' } } }] }, 'identity'),
      'Syntax errors in policy.',
    );
    assert.equal(
      reason({ Statement: [{ ...statement, Condition: { NullIfExists: { 'aws:username': 'true' } } }] }, 'identity'),
      'Syntax errors in policy.',
    );
    assert.equal(
      reason(
        { Statement: [{ ...statement, Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'a*' } } }] },
        'identity',
      ),
      undefined,
    );
  });

  test('policySize counts characters without white space', () => {
    assert.equal(policySize('{ "a" : "b" }\n'), 9);
  });
});

describe('evaluatePolicies', () => {
  test('denies by default: no policy, or no statement that applies', () => {
    assert.equal(
      evaluatePolicies({ policies: [], request: { action: 's3:GetObject', resource: '*' } }).decision,
      'ImplicitDeny',
    );
    const document = identity({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' });
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::b/k'), 'ImplicitDeny');
  });

  test('matches actions with * and ?, without regard to case', () => {
    const document = identity({ Effect: 'Allow', Action: ['s3:Get*', 'sqs:?endMessage'], Resource: '*' });
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::b/k'), 'Allow');
    assert.equal(decide(document, 'S3:getobjectacl', 'arn:aws:s3:::b/k'), 'Allow');
    assert.equal(decide(document, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:1:q'), 'Allow');
    assert.equal(decide(document, 'sqs:SendMessageBatch', 'arn:aws:sqs:us-east-1:1:q'), 'ImplicitDeny');
    assert.equal(decide(document, 's3:PutObject', 'arn:aws:s3:::b/k'), 'ImplicitDeny');
  });

  test('matches resources with wildcards across / and :, with regard to case', () => {
    const document = identity({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::data-*/reports/?.csv' });
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::data-eu/reports/a.csv'), 'Allow');
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::data-eu/x/y/reports/a.csv'), 'Allow');
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::data-eu/reports/ab.csv'), 'ImplicitDeny');
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::Data-eu/reports/a.csv'), 'ImplicitDeny');
  });

  test('an explicit Deny wins over any Allow, and both are reported', () => {
    const allow = identity({ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' });
    const deny = identity({ Sid: 'NoDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' });
    const result = evaluatePolicies({
      policies: [
        { id: 'admin', document: allow },
        { id: 'guard', document: deny },
      ],
      request: { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' },
    });
    assert.equal(result.decision, 'ExplicitDeny');
    assert.deepEqual(result.matchedStatements, [
      { policyId: 'admin', index: 0, sid: 'All', effect: 'Allow' },
      { policyId: 'guard', index: 0, sid: 'NoDelete', effect: 'Deny' },
    ]);
  });

  test('NotAction applies to every action but those listed', () => {
    const document = identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::b/k'), 'Allow');
    assert.equal(decide(document, 'iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/x`), 'ImplicitDeny');
    const [statement] = document.statements;
    assert.equal(statementApplies(statement!, { action: 'sqs:SendMessage', resource: '*' }), true);
    assert.equal(statementApplies(statement!, { action: 'IAM:PassRole', resource: '*' }), false);
  });

  test('NotResource applies to every resource but those listed', () => {
    const document = identity(
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::mine', 'arn:aws:s3:::mine/*'] },
    );
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::mine/k'), 'Allow');
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::theirs/k'), 'ExplicitDeny');
  });
});

describe('trustAllows: principals', () => {
  const assume = (principal: object) => trust({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' });
  const allows = (document: PolicyDocument, principal: RequestPrincipal) =>
    trustAllows(document, { action: 'sts:AssumeRole', principal });

  test('"*" and {"AWS": "*"} name everyone', () => {
    const star = trust({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' });
    assert.equal(allows(star, USER), true);
    assert.equal(allows(star, { kind: 'Service', service: 'ecs-tasks.amazonaws.com' }), true);
    assert.equal(allows(assume({ AWS: '*' }), SESSION), true);
  });

  test('an account id or root ARN names every principal of that account only', () => {
    assert.equal(allows(assume({ AWS: ACCOUNT }), USER), true);
    assert.equal(allows(assume({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), SESSION), true);
    assert.equal(allows(assume({ AWS: '210987654321' }), USER), false);
    assert.equal(
      allows(assume({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), { kind: 'Service', service: 'ecs.amazonaws.com' }),
      false,
    );
  });

  test('a role ARN names every session of the role, a session ARN that session only', () => {
    assert.equal(allows(assume({ AWS: ROLE_ARN }), SESSION), true);
    assert.equal(allows(assume({ AWS: SESSION.kind === 'AWS' ? SESSION.arn : '' }), SESSION), true);
    const otherSession: RequestPrincipal = { ...SESSION, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s2` };
    assert.equal(allows(assume({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1` }), otherSession), false);
    assert.equal(allows(assume({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` }), SESSION), false);
  });

  test('a user ARN names that user', () => {
    assert.equal(
      allows(assume({ AWS: [`arn:aws:iam::${ACCOUNT}:user/bob`, `arn:aws:iam::${ACCOUNT}:user/alice`] }), USER),
      true,
    );
    assert.equal(allows(assume({ AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }), USER), false);
  });

  test('a Service principal names that service, not AWS principals', () => {
    const document = assume({ Service: ['ecs-tasks.amazonaws.com'] });
    assert.equal(allows(document, { kind: 'Service', service: 'ecs-tasks.amazonaws.com' }), true);
    assert.equal(allows(document, { kind: 'Service', service: 'lambda.amazonaws.com' }), false);
    assert.equal(allows(document, USER), false);
  });

  test('a Federated principal names the identity provider', () => {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.ecs-chaos.sandbox`;
    const document = trust({
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: 'sts:AssumeRoleWithWebIdentity',
    });
    const web = (p: string) =>
      trustAllows(document, { action: 'sts:AssumeRoleWithWebIdentity', principal: { kind: 'Federated', provider: p } });
    assert.equal(web(provider), true);
    assert.equal(web(`arn:aws:iam::${ACCOUNT}:oidc-provider/other`), false);
    // The statement grants AssumeRoleWithWebIdentity, not AssumeRole.
    assert.equal(
      trustAllows(document, { action: 'sts:AssumeRole', principal: { kind: 'Federated', provider } }),
      false,
    );
  });

  test('NotPrincipal spares a session only when the session, its role and its account are all named', () => {
    const guard = (names: string[]) =>
      trust(
        { Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', NotPrincipal: { AWS: names }, Action: 'sts:AssumeRole' },
      );
    const account = `arn:aws:iam::${ACCOUNT}:root`;
    assert.equal(allows(guard([ROLE_ARN]), SESSION), false);
    assert.equal(allows(guard([ROLE_ARN, account]), SESSION), false);
    assert.equal(allows(guard([ROLE_ARN, 'arn:aws:sts::123456789012:assumed-role/app/s1', account]), SESSION), true);
    assert.equal(allows(guard([`arn:aws:iam::${ACCOUNT}:user/alice`, account]), USER), true);
  });
});

describe('evaluatePolicies: conditions', () => {
  test('StringEquals: any of the values (OR), case-sensitive; absent key fails', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/team': ['red', 'blue'] } };
    assert.equal(holds(condition, { 'aws:PrincipalTag/team': 'blue' }), true);
    assert.equal(holds(condition, { 'aws:PrincipalTag/team': 'Blue' }), false);
    assert.equal(holds(condition, {}), false);
  });

  test('condition keys are case-insensitive', () => {
    assert.equal(holds({ StringEquals: { 'AWS:PrincipalTag/Team': 'red' } }, { 'aws:principaltag/team': 'red' }), true);
  });

  test('StringNotEquals holds when no value matches, and when the key is absent', () => {
    const condition = { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } };
    assert.equal(holds(condition, { 'aws:RequestedRegion': 'us-east-1' }), true);
    assert.equal(holds(condition, { 'aws:RequestedRegion': 'eu-west-1' }), false);
    assert.equal(holds(condition, {}), true);
  });

  test('StringLike and StringNotLike use * and ?', () => {
    assert.equal(holds({ StringLike: { 's3:prefix': 'home/?/*' } }, { 's3:prefix': 'home/a/docs' }), true);
    assert.equal(holds({ StringLike: { 's3:prefix': 'home/?/*' } }, { 's3:prefix': 'home/ab/docs' }), false);
    assert.equal(holds({ StringNotLike: { 's3:prefix': 'tmp/*' } }, { 's3:prefix': 'home/a' }), true);
    assert.equal(holds({ StringNotLike: { 's3:prefix': 'tmp/*' } }, { 's3:prefix': 'tmp/a' }), false);
  });

  test('StringEqualsIgnoreCase ignores case', () => {
    assert.equal(holds({ StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'alice' }), true);
    assert.equal(holds({ StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }, { 'aws:username': 'bob' }), false);
  });

  test('Bool compares true and false, from JSON booleans or text', () => {
    assert.equal(holds({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': true }), true);
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': false }), false);
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'FALSE' }), true);
  });

  test('Null tests whether the key is absent (true) or present (false)', () => {
    assert.equal(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, {}), true);
    assert.equal(
      holds({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }),
      false,
    );
    assert.equal(
      holds({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }),
      true,
    );
  });

  test('ArnEquals and ArnLike compare ARNs part by part, with wildcards', () => {
    const key = 'aws:SourceArn';
    const value = 'arn:aws:ecs:us-east-1:123456789012:service/prod/web';
    assert.equal(holds({ ArnLike: { [key]: 'arn:aws:ecs:*:123456789012:service/prod/*' } }, { [key]: value }), true);
    assert.equal(holds({ ArnLike: { [key]: 'arn:aws:ecs:*:210987654321:*' } }, { [key]: value }), false);
    assert.equal(holds({ ArnEquals: { [key]: value } }, { [key]: value }), true);
    assert.equal(holds({ ArnEquals: { [key]: value } }, { [key]: 'not-an-arn' }), false);
    assert.equal(holds({ ArnNotLike: { [key]: 'arn:aws:ecs:*:*:service/dev/*' } }, { [key]: value }), true);
  });

  test('Numeric operators compare numbers, and fail on text that is not one', () => {
    const age = (op: string, limit: number, actual: unknown) =>
      holds({ [op]: { 'aws:MultiFactorAuthAge': limit } }, { 'aws:MultiFactorAuthAge': actual as number });
    assert.equal(age('NumericEquals', 60, 60), true);
    assert.equal(age('NumericEquals', 60, '60.0'), true);
    assert.equal(age('NumericNotEquals', 60, 61), true);
    assert.equal(age('NumericLessThan', 60, 59), true);
    assert.equal(age('NumericLessThan', 60, 60), false);
    assert.equal(age('NumericLessThanEquals', 60, 60), true);
    assert.equal(age('NumericGreaterThan', 60, 61), true);
    assert.equal(age('NumericGreaterThan', 60, 60), false);
    assert.equal(age('NumericGreaterThanEquals', 60, 60), true);
    assert.equal(age('NumericLessThan', 60, 'soon'), false);
  });

  test('Date operators compare ISO dates and epoch seconds', () => {
    const before = { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } };
    assert.equal(holds(before, { 'aws:CurrentTime': new Date('2029-12-31T23:59:59Z') }), true);
    assert.equal(holds(before, { 'aws:CurrentTime': '2030-01-01T00:00:01Z' }), false);
    assert.equal(holds({ DateGreaterThan: { 'aws:EpochTime': '1700000000' } }, { 'aws:EpochTime': 1700000001 }), true);
  });

  test('IpAddress and NotIpAddress compare with CIDR blocks', () => {
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.2.3' }), true);
    assert.equal(
      holds({ IpAddress: { 'aws:SourceIp': ['192.168.0.0/16', '127.0.0.1'] } }, { 'aws:SourceIp': '127.0.0.1' }),
      true,
    );
    assert.equal(holds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.2.3' }), false);
  });

  test('IfExists: an absent key satisfies the condition, a present one is compared', () => {
    const condition = { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } };
    assert.equal(holds(condition, {}), true);
    assert.equal(holds(condition, { 'ec2:InstanceType': 't3.micro' }), true);
    assert.equal(holds(condition, { 'ec2:InstanceType': 'm5.large' }), false);
    assert.equal(holds({ NumericLessThanIfExists: { 's3:max-keys': 10 } }, { 's3:max-keys': 100 }), false);
  });

  test('every key and every operator must hold (AND)', () => {
    const condition = {
      StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:RequestedRegion': 'us-east-1' },
      Bool: { 'aws:SecureTransport': 'true' },
    };
    const all = { 'aws:PrincipalAccount': ACCOUNT, 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': true };
    assert.equal(holds(condition, all), true);
    assert.equal(holds(condition, { ...all, 'aws:RequestedRegion': 'eu-west-1' }), false);
    assert.equal(holds(condition, { ...all, 'aws:SecureTransport': false }), false);
  });

  test('ForAnyValue and ForAllValues compare multivalued keys', () => {
    const tags = { 'aws:TagKeys': ['team', 'env'] };
    assert.equal(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' } }, tags), true);
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'env' } }, tags), false);
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'cost'] } }, tags), true);
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'env' } }, {}), true);
    assert.equal(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' } }, {}), false);
  });

  test('a Deny with a condition that holds denies; one that does not leaves the Allow', () => {
    const document = identity(
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    );
    assert.equal(
      decide(document, 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': false }),
      'ExplicitDeny',
    );
    assert.equal(decide(document, 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': true }), 'Allow');
  });

  test('trust conditions see the request context: sts:ExternalId', () => {
    const document = trust({
      Effect: 'Allow',
      Principal: { AWS: ACCOUNT },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'chaos-123' } },
    });
    const request = (context: ConditionContext) =>
      trustAllows(document, { action: 'sts:AssumeRole', principal: USER, context });
    assert.equal(request({ 'sts:ExternalId': 'chaos-123' }), true);
    assert.equal(request({ 'sts:ExternalId': 'other' }), false);
    assert.equal(request({}), false);
  });
});

describe('evaluatePolicies: policy variables', () => {
  const home = identity({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/home/${aws:username}/*' });

  test('resolves a variable in Resource from the request context', () => {
    assert.equal(decide(home, 's3:GetObject', 'arn:aws:s3:::b/home/alice/k', { 'aws:username': 'alice' }), 'Allow');
    assert.equal(
      decide(home, 's3:GetObject', 'arn:aws:s3:::b/home/bob/k', { 'aws:username': 'alice' }),
      'ImplicitDeny',
    );
  });

  test('a variable without a value names nothing, unless it has a default', () => {
    assert.equal(decide(home, 's3:GetObject', 'arn:aws:s3:::b/home/alice/k'), 'ImplicitDeny');
    const withDefault = identity({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*",
    });
    assert.equal(decide(withDefault, 's3:GetObject', 'arn:aws:s3:::b/shared/k'), 'Allow');
    assert.equal(
      decide(withDefault, 's3:GetObject', 'arn:aws:s3:::b/red/k', { 'aws:PrincipalTag/team': 'red' }),
      'Allow',
    );
  });

  test('a variable value is literal text: its * matches only *', () => {
    const tagged = identity({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/p}' });
    assert.equal(decide(tagged, 's3:GetObject', 'arn:aws:s3:::b/*', { 'aws:PrincipalTag/p': '*' }), 'Allow');
    assert.equal(decide(tagged, 's3:GetObject', 'arn:aws:s3:::b/x', { 'aws:PrincipalTag/p': '*' }), 'ImplicitDeny');
  });

  test('${*}, ${?} and ${$} are the literal characters', () => {
    const literal = identity({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${*}${?}${$}' });
    assert.equal(decide(literal, 's3:GetObject', 'arn:aws:s3:::b/*?$'), 'Allow');
    assert.equal(decide(literal, 's3:GetObject', 'arn:aws:s3:::b/ab$'), 'ImplicitDeny');
  });

  test('resolves variables in String, Arn and Bool condition values', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/owner': '${aws:username}' } };
    assert.equal(holds(condition, { 'aws:username': 'alice', 'aws:PrincipalTag/owner': 'alice' }), true);
    assert.equal(holds(condition, { 'aws:username': 'alice', 'aws:PrincipalTag/owner': 'bob' }), false);
    const arn = { ArnLike: { 'aws:SourceArn': 'arn:aws:iam::${aws:PrincipalAccount}:role/*' } };
    assert.equal(holds(arn, { 'aws:PrincipalAccount': ACCOUNT, 'aws:SourceArn': ROLE_ARN }), true);
    assert.equal(holds(arn, { 'aws:PrincipalAccount': '999999999999', 'aws:SourceArn': ROLE_ARN }), false);
  });

  test('a negated condition with a variable without a value does not hold', () => {
    const condition = { StringNotEquals: { 'aws:PrincipalTag/owner': '${aws:username}' } };
    assert.equal(holds(condition, { 'aws:PrincipalTag/owner': 'bob' }), false);
    assert.equal(holds(condition, { 'aws:PrincipalTag/owner': 'bob', 'aws:username': 'alice' }), true);
  });

  test('leaves variables as text in 2008-10-17 documents', () => {
    const old = parse(
      {
        Version: '2008-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:username}' }],
      },
      'identity',
    );
    assert.equal(decide(old, 's3:GetObject', 'arn:aws:s3:::b/alice', { 'aws:username': 'alice' }), 'ImplicitDeny');
    assert.equal(decide(old, 's3:GetObject', 'arn:aws:s3:::b/${aws:username}'), 'Allow');
  });
});

describe('evaluatePolicies: ARNs and multivalued keys', () => {
  test('matches a Resource ARN part by part: a * in the region does not reach into the account', () => {
    const document = identity({ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:*:123456789012:q' });
    assert.equal(decide(document, 'sqs:SendMessage', 'arn:aws:sqs:eu-west-1:123456789012:q'), 'Allow');
    assert.equal(decide(document, 'sqs:SendMessage', 'arn:aws:sqs:eu-west-1:999999999999:q'), 'ImplicitDeny');
  });

  test('an operator without a set qualifier does not match a multivalued key', () => {
    assert.equal(
      holds(
        { StringEquals: { 'aws:CalledVia': 'athena.amazonaws.com' } },
        { 'aws:CalledVia': ['athena.amazonaws.com'] },
      ),
      false,
    );
    assert.equal(
      holds(
        { StringNotEquals: { 'aws:CalledVia': 'kms.amazonaws.com' } },
        { 'aws:CalledVia': ['athena.amazonaws.com'] },
      ),
      false,
    );
    assert.equal(
      holds(
        { 'ForAnyValue:StringEquals': { 'aws:CalledVia': 'athena.amazonaws.com' } },
        { 'aws:CalledVia': ['athena.amazonaws.com'] },
      ),
      true,
    );
  });

  test('negated set qualifiers: ForAllValues:StringNotLike holds when no value matches', () => {
    const condition = { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'secret*' } };
    assert.equal(holds(condition, { 'aws:TagKeys': ['team', 'env'] }), true);
    assert.equal(holds(condition, { 'aws:TagKeys': ['team', 'secret-x'] }), false);
    assert.equal(
      holds({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['team', 'env'] }),
      true,
    );
  });

  test('Bool matches only true and false; NotIpAddress holds for an address of the other family', () => {
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'yes' } }, { 'aws:SecureTransport': 'yes' }), false);
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'TRUE' } }, { 'aws:SecureTransport': true }), true);
    assert.equal(holds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '2001:db8::1' }), true);
    assert.equal(holds({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8::1' }), true);
  });

  test('BinaryEquals compares the base64 text; IfExists also applies to Date and Arn operators', () => {
    assert.equal(holds({ BinaryEquals: { 'aws:Key': 'QmluYXJ5' } }, { 'aws:Key': 'QmluYXJ5' }), true);
    assert.equal(holds({ BinaryEquals: { 'aws:Key': 'QmluYXJ5' } }, { 'aws:Key': 'b3RoZXI=' }), false);
    assert.equal(holds({ DateLessThanIfExists: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } }, {}), true);
    assert.equal(holds({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:*:topic' } }, {}), true);
    assert.equal(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:topic' } }, {}), false);
  });
});

describe('authorize', () => {
  const allowAll = { id: 'admin', document: identity({ Effect: 'Allow', Action: '*', Resource: '*' }) };
  const s3Only = identity({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
  const request = { action: 'ecs:UpdateService', resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/c/s` };

  test('allows with an identity Allow alone; denies by default', () => {
    assert.deepEqual(
      { ...authorize({ identityPolicies: [allowAll], request }), matchedStatements: [] },
      { decision: 'Allow', reason: 'Allowed', matchedStatements: [] },
    );
    assert.equal(authorize({ identityPolicies: [], request }).reason, 'NoAllowInIdentityPolicies');
  });

  test('a permission boundary limits the identity policies: an Allow needs both', () => {
    const result = authorize({
      identityPolicies: [allowAll],
      permissionBoundary: { id: 'pb', document: s3Only },
      request,
    });
    assert.equal(result.decision, 'ImplicitDeny');
    assert.equal(result.reason, 'NoAllowInPermissionBoundary');
    const s3 = authorize({
      identityPolicies: [allowAll],
      permissionBoundary: { id: 'pb', document: s3Only },
      request: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
    });
    assert.equal(s3.decision, 'Allow');
    assert.deepEqual(
      s3.matchedStatements.map((m) => [m.policyType, m.policyId]),
      [
        ['identity', 'admin'],
        ['permissionBoundary', 'pb'],
      ],
    );
  });

  test('a boundary alone grants nothing', () => {
    const result = authorize({ identityPolicies: [], permissionBoundary: allowAll, request });
    assert.equal(result.reason, 'NoAllowInIdentityPolicies');
  });

  test('session policies limit the session: one of them must allow too; an empty list is none', () => {
    const sessionPolicies = [{ id: 'session', document: s3Only }];
    assert.equal(
      authorize({ identityPolicies: [allowAll], sessionPolicies, request }).reason,
      'NoAllowInSessionPolicies',
    );
    assert.equal(authorize({ identityPolicies: [allowAll], sessionPolicies: [], request }).decision, 'Allow');
    const managed = {
      id: 'arn:aws:iam::aws:policy/AmazonECS_FullAccess',
      document: identity({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }),
    };
    assert.equal(
      authorize({ identityPolicies: [allowAll], sessionPolicies: [...sessionPolicies, managed], request }).decision,
      'Allow',
    );
  });

  test('a Deny in the boundary or a session policy denies explicitly', () => {
    const deny = { id: 'deny', document: identity({ Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*' }) };
    assert.deepEqual(
      [
        authorize({
          identityPolicies: [allowAll],
          permissionBoundary: {
            id: 'pb',
            document: identity(
              { Effect: 'Allow', Action: '*', Resource: '*' },
              { Effect: 'Deny', Action: 'ecs:*', Resource: '*' },
            ),
          },
          request,
        }).reason,
        authorize({ identityPolicies: [allowAll], sessionPolicies: [allowAll, deny], request }).reason,
        authorize({ identityPolicies: [allowAll, deny], permissionBoundary: allowAll, request }).reason,
      ],
      ['ExplicitDenyInPermissionBoundary', 'ExplicitDenyInSessionPolicy', 'ExplicitDenyInIdentityPolicy'],
    );
  });
});

describe('globalConditionKeys', () => {
  test('describes a session by its role ARN, and a user by its name', () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const session = globalConditionKeys({
      caller: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
        accountId: ACCOUNT,
        userId: 'AROAX:s1',
        roleArn: ROLE_ARN,
      },
      now,
    });
    assert.equal(session['aws:PrincipalArn'], ROLE_ARN);
    assert.equal(session['aws:PrincipalType'], 'AssumedRole');
    assert.equal(session['aws:username'], undefined);
    assert.equal(session['aws:CurrentTime'], '2026-01-02T03:04:05Z');
    assert.equal(session['aws:EpochTime'], Math.floor(now.getTime() / 1000));
    const user = globalConditionKeys({
      caller: { type: 'User', arn: `arn:aws:iam::${ACCOUNT}:user/ops/alice`, accountId: ACCOUNT, userId: 'AIDAX' },
      now,
      sourceIp: '127.0.0.1',
    });
    assert.equal(user['aws:username'], 'alice');
    assert.equal(user['aws:PrincipalArn'], `arn:aws:iam::${ACCOUNT}:user/ops/alice`);
    assert.equal(user['aws:SourceIp'], '127.0.0.1');
  });
});
