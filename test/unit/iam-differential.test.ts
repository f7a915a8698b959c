/**
 * Differential test: our evaluator ({@link authorize}) against `@cloud-copilot/iam-simulate` over
 * generated policy/request cases. iam-simulate is AGPL: it is a devDependency used here only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { loadActionCatalog, type ActionCatalog } from '../../src/iam/catalog.js';
import { authorize, type Decision, type PolicySource } from '../../src/iam/evaluate.js';
import { parsePolicyDocument } from '../../src/iam/policy.js';

const ACCOUNT = '123456789012';
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
const CASES = 2400;
const SEED = 20240605;

/** mulberry32: a small seeded generator, so a failing case can be reproduced. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;

/** Requests iam-simulate accepts: a real action and a resource of one of its resource types. */
const REQUESTS: ReadonlyArray<{ readonly action: string; readonly resource: string }> = [
  { action: 's3:GetObject', resource: 'arn:aws:s3:::data-bucket/home/alice/report.csv' },
  { action: 's3:PutObject', resource: 'arn:aws:s3:::data-bucket/tmp/x.txt' },
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::data-bucket' },
  { action: 'ecs:UpdateService', resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/web` },
  { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/web` },
  { action: 'ecs:ListClusters', resource: '*' },
  { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/app-task` },
  { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/red-task` },
  { action: 'iam:GetRole', resource: `arn:aws:iam::${ACCOUNT}:role/app-task` },
  { action: 'sqs:SendMessage', resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders` },
  { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/users` },
  { action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app:log-stream:s1` },
];

/** Resource patterns, some naming the requests above, some with wildcards, variables and escapes. */
const RESOURCES: readonly string[] = [
  '*',
  'arn:aws:s3:::data-bucket/*',
  'arn:aws:s3:::data-bucket',
  'arn:aws:s3:::data-*/home/?lice/*',
  'arn:aws:s3:::data-bucket/home/${aws:username}/*',
  "arn:aws:s3:::data-bucket/home/${aws:PrincipalTag/team, 'red'}/*",
  'arn:aws:s3:::data-bucket/home/red/${*}star',
  'arn:aws:s3:::data-bucket/home/red/*star',
  `arn:aws:ecs:*:${ACCOUNT}:service/prod/*`,
  `arn:aws:ecs:us-east-1:${ACCOUNT}:service/*/web`,
  `arn:aws:ecs:us-east-1:*:service/prod/web`,
  `arn:aws:iam::${ACCOUNT}:role/*-task`,
  `arn:aws:iam::${ACCOUNT}:role/\${aws:PrincipalTag/team}-task`,
  `arn:aws:iam::${ACCOUNT}:role/\${aws:PrincipalTag/team, 'app'}-task`,
  `arn:aws:iam::${ACCOUNT}:role/app-???k`,
  `arn:aws:sqs:*:${ACCOUNT}:orders`,
  `arn:aws:sqs:\${aws:RequestedRegion}:${ACCOUNT}:*`,
  `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:username}`,
  `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/users`,
  `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app:*`,
  `arn:aws:logs:*:*:log-group:*`,
];

/** A condition key, the values a request may carry, and the policy values to compare them with. */
interface KeySpec {
  readonly key: string;
  readonly multivalued: boolean;
  readonly requestValues: readonly (string | readonly string[])[];
  readonly operators: readonly string[];
  readonly policyValues: readonly string[];
}

const STRING_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];

const KEYS: readonly KeySpec[] = [
  {
    key: 'aws:username',
    multivalued: false,
    requestValues: ['alice', 'Alice', 'bob'],
    operators: STRING_OPERATORS,
    policyValues: [
      'alice',
      'ALICE',
      'al*',
      'a?ice',
      'bob',
      '${aws:PrincipalTag/team}',
      "${aws:userid, 'alice'}",
      '${*}',
    ],
  },
  {
    key: 'aws:PrincipalTag/team',
    multivalued: false,
    requestValues: ['red', 'blue', 'alice'],
    operators: STRING_OPERATORS,
    policyValues: ['red', 'RED', 'r*', '${aws:username}', "${aws:PrincipalTag/other, 'red'}", 'bl?e'],
  },
  {
    key: 'aws:RequestedRegion',
    multivalued: false,
    requestValues: ['us-east-1', 'eu-west-1'],
    operators: STRING_OPERATORS,
    policyValues: ['us-east-1', 'eu-*', 'us-*-1', 'ap-south-1'],
  },
  {
    key: 'aws:SourceIp',
    multivalued: false,
    requestValues: ['10.1.2.3', '192.168.1.5', '2001:db8::1'],
    operators: ['IpAddress', 'NotIpAddress'],
    policyValues: ['10.0.0.0/8', '10.1.2.3/32', '10.1.2.3', '192.168.0.0/16', '2001:db8::/32', '172.16.0.0/12'],
  },
  {
    key: 'aws:CurrentTime',
    multivalued: false,
    requestValues: ['2025-06-01T12:00:00Z', '2024-01-01T00:00:00Z'],
    operators: [
      'DateEquals',
      'DateNotEquals',
      'DateLessThan',
      'DateLessThanEquals',
      'DateGreaterThan',
      'DateGreaterThanEquals',
    ],
    policyValues: ['2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2025-06-01T12:00:00Z', '2024-01-01'],
  },
  {
    key: 'aws:EpochTime',
    multivalued: false,
    requestValues: ['1748779200', '1700000000'],
    operators: ['DateLessThan', 'DateGreaterThan', 'DateEquals', 'NumericLessThan', 'NumericGreaterThanEquals'],
    policyValues: ['1700000000', '1800000000', '1748779200'],
  },
  {
    key: 'aws:MultiFactorAuthAge',
    multivalued: false,
    requestValues: ['300', '7200'],
    operators: [
      'NumericEquals',
      'NumericNotEquals',
      'NumericLessThan',
      'NumericLessThanEquals',
      'NumericGreaterThan',
      'NumericGreaterThanEquals',
    ],
    policyValues: ['60', '300', '3600', '7200.0'],
  },
  {
    key: 'aws:SecureTransport',
    multivalued: false,
    requestValues: ['true', 'false'],
    operators: ['Bool'],
    policyValues: ['true', 'false', 'TRUE'],
  },
  {
    key: 'aws:PrincipalArn',
    multivalued: false,
    requestValues: [USER_ARN, `arn:aws:iam::${ACCOUNT}:role/app`],
    operators: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
    policyValues: [
      USER_ARN,
      `arn:aws:iam::${ACCOUNT}:user/*`,
      'arn:aws:iam::*:role/app',
      `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
      'arn:aws:iam::999999999999:*',
      '*',
    ],
  },
  {
    key: 'aws:CalledVia',
    multivalued: true,
    requestValues: [['athena.amazonaws.com'], ['athena.amazonaws.com', 'glue.amazonaws.com']],
    operators: ['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike'],
    policyValues: ['athena.amazonaws.com', 'glue.*', 'kms.amazonaws.com', '*.amazonaws.com'],
  },
  {
    key: 'aws:PrincipalServiceNamesList',
    multivalued: true,
    requestValues: [['ecs-tasks.amazonaws.com'], ['ecs-tasks.amazonaws.com', 'lambda.amazonaws.com']],
    operators: ['StringEquals', 'StringLike', 'StringNotEquals'],
    policyValues: ['ecs-tasks.amazonaws.com', 'lambda.*', 's3.amazonaws.com'],
  },
];

/** What a generated case exercises, to group the disagreements by. */
type Feature =
  | 'NotAction'
  | 'NotResource'
  | 'ResourceVariable'
  | 'ConditionVariable'
  | 'Escape'
  | 'IfExists'
  | 'ForAllValues'
  | 'ForAnyValue'
  | 'Null'
  | 'MissingKey'
  | 'Boundary'
  | 'Session'
  | 'Version2008'
  | `op:${string}`;

interface Case {
  readonly index: number;
  readonly request: { readonly action: string; readonly resource: string };
  readonly principal: string;
  readonly context: Record<string, string | string[]>;
  readonly identity: readonly object[];
  readonly boundary: object | undefined;
  readonly session: object | undefined;
  readonly features: ReadonlySet<Feature>;
}

interface GeneratedStatement {
  readonly Resource?: readonly string[];
  readonly NotResource?: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

interface GeneratedPolicy {
  readonly Version: string;
  readonly Statement: readonly GeneratedStatement[];
}

function policiesOf(c: Case): GeneratedPolicy[] {
  return [...c.identity, ...(c.boundary ? [c.boundary] : []), ...(c.session ? [c.session] : [])] as GeneratedPolicy[];
}

/** Every condition of the case: operator as written, key, policy values. */
function conditionsOf(
  c: Case,
): Array<{ readonly operator: string; readonly key: string; readonly values: readonly string[] }> {
  return policiesOf(c).flatMap((policy) =>
    policy.Statement.flatMap((statement) =>
      Object.entries(statement.Condition ?? {}).flatMap(([operator, entries]) =>
        Object.entries(entries).map(([key, values]) => ({ operator, key, values })),
      ),
    ),
  );
}

const ipFamily = (text: string): number => (text.includes(':') ? 6 : 4);

/**
 * Known differences: each a category of case where iam-simulate and this evaluator disagree for a
 * reason docs/iam-evaluator.md explains (section "Known differences from iam-simulate").
 */
const KNOWN_DIFFERENCES: ReadonlyArray<{ readonly name: string; readonly applies: (c: Case) => boolean }> = [
  {
    // AWS: variables are literal text in 2008-10-17 documents; iam-simulate resolves them.
    name: 'variables in a 2008-10-17 document',
    applies: (c) => policiesOf(c).some((p) => p.Version === '2008-10-17' && JSON.stringify(p).includes('${')),
  },
  {
    // We resolve variables in every part of a Resource ARN; iam-simulate in the resource id only.
    name: 'variable in the region or account of a Resource ARN',
    applies: (c) =>
      policiesOf(c).some((p) =>
        p.Statement.some((s) =>
          [...(s.Resource ?? []), ...(s.NotResource ?? [])].some((r) =>
            r.split(':').slice(0, 5).join(':').includes('${'),
          ),
        ),
      ),
  },
  {
    // Whether a NotResource value with a variable without a value excludes the resource: we decide
    // on the whole ARN, iam-simulate on its fixed parts (partition, service, region, account, bucket).
    name: 'NotResource value with a variable without a value',
    applies: (c) =>
      policiesOf(c).some((p) =>
        p.Statement.some((s) =>
          (s.NotResource ?? []).some((r) =>
            [...r.matchAll(/\$\{([^},]+)\}/g)].some(([, key]) => key !== undefined && !(key in c.context)),
          ),
        ),
      ),
  },
  {
    // We read an Arn operator's `*` as any ARN; iam-simulate refuses it as an invalid ARN.
    name: 'Arn operator with the value *',
    applies: (c) => conditionsOf(c).some(({ operator, values }) => /Arn/.test(operator) && values.includes('*')),
  },
  {
    // We let IfExists pass a missing key under ForAnyValue too; iam-simulate fails it.
    name: 'ForAnyValue with IfExists on a missing key',
    applies: (c) =>
      conditionsOf(c).some(
        ({ operator, key }) =>
          operator.startsWith('ForAnyValue:') && operator.endsWith('IfExists') && !(key in c.context),
      ),
  },
  {
    // AWS: an IPv6 address is outside IPv4 ranges, so NotIpAddress holds; iam-simulate fails it.
    name: 'NotIpAddress with an address of the other IP family',
    applies: (c) =>
      conditionsOf(c).some(
        ({ operator, key, values }) =>
          operator.includes('NotIpAddress') &&
          typeof c.context[key] === 'string' &&
          values.some((value) => ipFamily(value) !== ipFamily(c.context[key] as string)),
      ),
  },
];

/** Action patterns for a request: the action itself, wildcards over real actions of the catalog. */
function actionPatterns(random: Random, catalog: ActionCatalog, action: string): string {
  const [service = ''] = action.split(':');
  const other = pick(random, catalog.expandActions(`${service}:*`));
  const name = (chance(random, 0.6) ? action : other).split(':')[1] ?? '';
  const prefix = name.slice(0, 1 + Math.floor(random() * Math.max(1, name.length - 1)));
  return pick(random, [
    action,
    other,
    `${service}:${prefix}*`,
    `${service}:*`,
    '*',
    `${service}:${name.slice(0, -1)}?`,
    `${service.toUpperCase()}:${name.toLowerCase()}`,
  ]);
}

function generateCondition(
  random: Random,
  features: Set<Feature>,
  context: Record<string, string | string[]>,
): Record<string, Record<string, string[]>> {
  const condition: Record<string, Record<string, string[]>> = {};
  const count = 1 + Math.floor(random() * 2);
  for (let i = 0; i < count; i++) {
    const spec = pick(random, KEYS);
    if (!(spec.key in context)) features.add('MissingKey');
    if (chance(random, 0.1)) {
      features.add('Null');
      condition['Null'] = { ...condition['Null'], [spec.key]: [pick(random, ['true', 'false'])] };
      continue;
    }
    let operator = pick(random, spec.operators);
    features.add(`op:${operator}`);
    if (spec.multivalued ? chance(random, 0.85) : chance(random, 0.1)) {
      const qualifier = pick(random, ['ForAnyValue', 'ForAllValues'] as const);
      features.add(qualifier);
      operator = `${qualifier}:${operator}`;
    }
    if (chance(random, 0.2)) {
      features.add('IfExists');
      operator = `${operator}IfExists`;
    }
    const values = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(random, spec.policyValues));
    for (const value of values) {
      if (value.includes('${*}')) features.add('Escape');
      else if (value.includes('${')) features.add('ConditionVariable');
    }
    condition[operator] = { ...condition[operator], [spec.key]: [...new Set(values)] };
  }
  return condition;
}

function generateStatement(
  random: Random,
  catalog: ActionCatalog,
  request: { readonly action: string; readonly resource: string },
  features: Set<Feature>,
  context: Record<string, string | string[]>,
): object {
  const effect = chance(random, 0.7) ? 'Allow' : 'Deny';
  // Mostly about the request's action, so that statements apply often enough to matter.
  const actionOf = (): string =>
    actionPatterns(random, catalog, chance(random, 0.8) ? request.action : pick(random, REQUESTS).action);
  const actions = [...new Set(Array.from({ length: 1 + Math.floor(random() * 2) }, actionOf))];
  const resources = [
    ...new Set(
      Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
        chance(random, 0.3) ? request.resource : pick(random, RESOURCES),
      ),
    ),
  ];
  for (const resource of resources) {
    if (resource.includes('${*}')) features.add('Escape');
    else if (resource.includes('${')) features.add('ResourceVariable');
  }
  const statement: Record<string, unknown> = { Effect: effect };
  if (chance(random, 0.15)) {
    features.add('NotAction');
    statement['NotAction'] = actions;
  } else statement['Action'] = actions;
  if (chance(random, 0.15)) {
    features.add('NotResource');
    statement['NotResource'] = resources;
  } else statement['Resource'] = resources;
  if (chance(random, 0.6)) statement['Condition'] = generateCondition(random, features, context);
  return statement;
}

function generatePolicy(
  random: Random,
  catalog: ActionCatalog,
  request: { readonly action: string; readonly resource: string },
  features: Set<Feature>,
  context: Record<string, string | string[]>,
): object {
  const version = chance(random, 0.05) ? '2008-10-17' : '2012-10-17';
  if (version === '2008-10-17') features.add('Version2008');
  const statements = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
    generateStatement(random, catalog, request, features, context),
  );
  return { Version: version, Statement: statements };
}

function generateCase(random: Random, catalog: ActionCatalog, index: number): Case {
  const request = pick(random, REQUESTS);
  const features = new Set<Feature>();
  const context: Record<string, string | string[]> = {};
  for (const spec of KEYS) {
    if (chance(random, 0.6)) {
      const value = pick(random, spec.requestValues);
      context[spec.key] = typeof value === 'string' ? value : [...value];
    }
  }
  if (chance(random, 0.3)) context['aws:userid'] = pick(random, ['AIDAEXAMPLE', 'alice']);
  if (chance(random, 0.3)) context['aws:PrincipalTag/other'] = 'blue';
  const identity = Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
    generatePolicy(random, catalog, request, features, context),
  );
  const boundary = chance(random, 0.25) ? generatePolicy(random, catalog, request, features, context) : undefined;
  const session = chance(random, 0.25) ? generatePolicy(random, catalog, request, features, context) : undefined;
  if (boundary) features.add('Boundary');
  if (session) features.add('Session');
  return {
    index,
    request,
    principal: session ? SESSION_ARN : USER_ARN,
    context,
    identity,
    boundary,
    session,
    features,
  };
}

function source(id: string, policy: object): PolicySource | undefined {
  const parsed = parsePolicyDocument(JSON.stringify(policy), 'identity');
  return parsed.ok ? { id, document: parsed.document } : undefined;
}

/** Our decision, or undefined when our parser refuses one of the policies. */
function ours(c: Case): Decision | undefined {
  const identityPolicies = c.identity.map((policy, i) => source(`identity${i}`, policy));
  const permissionBoundary = c.boundary && source('boundary', c.boundary);
  const session = c.session && source('session', c.session);
  if (identityPolicies.some((p) => !p) || (c.boundary && !permissionBoundary) || (c.session && !session)) {
    return undefined;
  }
  return authorize({
    identityPolicies: identityPolicies.filter((p): p is PolicySource => p !== undefined),
    ...(permissionBoundary && { permissionBoundary }),
    ...(session && { sessionPolicies: [session] }),
    request: { ...c.request, context: c.context },
  }).decision;
}

const SIMULATE_DECISIONS = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

/** iam-simulate's decision, or the reason it refuses the simulation. */
async function theirs(c: Case): Promise<Decision | { readonly refused: string }> {
  const simulation: Simulation = {
    request: {
      principal: c.principal,
      action: c.request.action,
      resource: { resource: c.request.resource, accountId: ACCOUNT },
      contextVariables: c.context,
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(c.boundary && { permissionBoundaryPolicies: [{ name: 'boundary', policy: c.boundary }] }),
    ...(c.session && { sessionPolicy: c.session }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    const errors = [
      ...Object.values(result.errors.identityPolicyErrors ?? {}).flat(),
      ...Object.values(result.errors.permissionBoundaryErrors ?? {}).flat(),
      ...(result.errors.sessionPolicyErrors ?? []),
    ];
    return { refused: errors[0]?.message ?? result.errors.message };
  }
  if (result.resultType !== 'single') return { refused: result.resultType };
  return SIMULATE_DECISIONS[result.overallResult] as Decision;
}

describe('differential: authorize vs @cloud-copilot/iam-simulate', () => {
  test('agrees on at least 99% of 2,400 generated cases, and every disagreement is a known difference', async () => {
    // Prepare
    const catalog = await loadActionCatalog();
    const random = rng(SEED);
    let compared = 0;
    let agreed = 0;
    const refusals = new Map<string, number>();
    const byFeature = new Map<string, number>();
    const byCategory = new Map<string, number>();
    const undocumented: string[] = [];

    // Act
    for (let index = 0; compared < CASES; index++) {
      const c = generateCase(random, catalog, index);
      const [mine, reference] = [ours(c), await theirs(c)];
      if (mine === undefined || typeof reference !== 'string') {
        const why = typeof reference !== 'string' ? `iam-simulate: ${reference.refused}` : 'our parser';
        refusals.set(why, (refusals.get(why) ?? 0) + 1);
        continue;
      }
      compared++;
      if (mine === reference) {
        agreed++;
        continue;
      }
      for (const feature of c.features) byFeature.set(feature, (byFeature.get(feature) ?? 0) + 1);
      const known = KNOWN_DIFFERENCES.find((difference) => difference.applies(c));
      if (known) byCategory.set(known.name, (byCategory.get(known.name) ?? 0) + 1);
      const report = { ...c, ours: mine, iamSimulate: reference, features: [...c.features] };
      // IAM_DIFFERENTIAL_DUMP=1 prints every disagreement, one JSON line each, to study a new one.
      if (process.env['IAM_DIFFERENTIAL_DUMP']) console.log(JSON.stringify(report));
      if (!known) undocumented.push(JSON.stringify(report, null, 1));
    }

    // Assess
    const percent = ((agreed / compared) * 100).toFixed(1);
    const features = [...byFeature.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([feature, count]) => `${feature}=${count}`)
      .join(', ');
    console.log(
      `differential: ${compared} cases, ${agreed} agree (${percent}%), disagreements by feature: ` +
        `${features || 'none'}; by known difference: ` +
        `${[...byCategory.entries()].map(([name, count]) => `${name}=${count}`).join(', ') || 'none'}; generated cases not compared, refused by a validator: ` +
        `${[...refusals.entries()].map(([why, count]) => `${why}=${count}`).join(', ') || 'none'}`,
    );
    assert.deepEqual(undocumented.slice(0, 3), [], `${undocumented.length} undocumented disagreements`);
    assert.ok(agreed / compared >= 0.99, `agreement ${percent}% is below 99%`);
  });
});

describe('action catalog', () => {
  test('validates actions, expands patterns, and tells access levels and service names', async () => {
    const catalog = await loadActionCatalog();
    assert.equal(catalog.isKnownAction('s3:PutObject'), true);
    assert.equal(catalog.isKnownAction('S3:putobject'), true);
    assert.equal(catalog.isKnownAction('s3:PutObjectz'), false);
    assert.ok(catalog.expandActions('s3:Put*').includes('s3:PutObject'));
    assert.ok(catalog.expandActions('s3:Put*').every((action) => action.startsWith('s3:Put')));
    assert.deepEqual(catalog.expandActions('iam:PassRol?'), ['iam:PassRole']);
    assert.deepEqual(catalog.expandActions('s3:NoSuchAction'), []);
    assert.equal(catalog.accessLevel('s3:PutObject'), 'Write');
    assert.equal(catalog.accessLevel('s3:GetObject'), 'Read');
    assert.equal(catalog.accessLevel('s3:ListBucket'), 'List');
    assert.equal(catalog.accessLevel('iam:PutRolePolicy'), 'Permissions management');
    assert.equal(catalog.accessLevel('iam:TagRole'), 'Tagging');
    assert.equal(catalog.serviceName('s3:PutObject'), 'Amazon S3');
    assert.equal(await loadActionCatalog(), catalog, 'the catalog loads once');
  });
});
