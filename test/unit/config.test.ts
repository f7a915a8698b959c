import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_DURATION_SECONDS, parseDuration } from '../../src/config/duration.js';
import { FIELDS, FIELD_LIST, fieldName, type FieldKey } from '../../src/config/fields.js';
import { loadExperimentSpec, type ConfigSources } from '../../src/config/load.js';
import type { ExperimentSpec } from '../../src/config/spec.js';
import { InvalidInputError } from '../../src/errors.js';

const ROLE_A = 'arn:aws:iam::123456789012:role/chaos-a';
const ROLE_B = 'arn:aws:iam::123456789012:role/chaos-b';
const ROLE_C = 'arn:aws:iam::123456789012:role/path/chaos-c';
const RUNNER = 'arn:aws:iam::123456789012:role/chaos-runner';
const CREDENTIALS = '[default]\naws_access_key_id = AKIAEXAMPLE000000000\naws_secret_access_key = secret-of-the-test\n';

let dir: string;
const path = (name: string): string => join(dir, name);
const writeFile = (name: string, text: string): string => {
  writeFileSync(path(name), text);
  return name;
};

/** The required fields by flag, so each test sets only what it is about. */
const REQUIRED_FLAGS = {
  cluster: 'prod',
  service: 'orders',
  region: 'us-east-1',
  taskRole: 'arn:aws:iam::123456789012:role/orders-chaos-role',
} as const;

function load(sources: Partial<ConfigSources> = {}): ExperimentSpec {
  return loadExperimentSpec({ flags: {}, env: {}, cwd: dir, ...sources });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-config-'));
  mkdirSync(path('sub'));
  mkdirSync(path('a-directory'));
  for (const name of ['creds-flag', 'creds-env', 'sub/creds-file', 'creds-good'])
    writeFileSync(path(name), CREDENTIALS);
  writeFileSync(path('creds-malformed'), '[default]\nthis line is neither\n');
  writeFileSync(path('creds-no-secret'), '[default]\naws_access_key_id = AKIAEXAMPLE000000000\n');
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Precedence
// ---------------------------------------------------------------------------------------------

/** Per field: a value for each source, what each becomes in the spec, and how to read it. */
interface PrecedenceCase {
  readonly key: FieldKey;
  readonly flag: string | boolean;
  readonly env?: string;
  /** The file's value; `fileUnder` is used instead when a flag or env var sits on top of it. */
  readonly file: unknown;
  readonly fileUnder?: unknown;
  readonly expect: {
    readonly flag: unknown;
    readonly env?: unknown;
    readonly file: unknown;
    readonly default: unknown;
  };
  readonly read: (spec: ExperimentSpec) => unknown;
  /** Flags the case needs besides the required ones (e.g. a percentage below 100 for exposure). */
  readonly flags?: Readonly<Record<string, string>>;
}

const PRECEDENCE: readonly PrecedenceCase[] = [
  {
    key: 'cluster',
    flag: 'c-flag',
    env: 'c-env',
    file: 'c-file',
    expect: { flag: 'c-flag', env: 'c-env', file: 'c-file', default: undefined },
    read: (s) => s.cluster,
  },
  {
    key: 'service',
    flag: 's-flag',
    env: 's-env',
    file: 's-file',
    expect: { flag: 's-flag', env: 's-env', file: 's-file', default: undefined },
    read: (s) => s.service,
  },
  {
    key: 'region',
    flag: 'eu-west-1',
    env: 'eu-central-1',
    file: 'ap-south-1',
    expect: { flag: 'eu-west-1', env: 'eu-central-1', file: 'ap-south-1', default: undefined },
    read: (s) => s.region,
  },
  {
    key: 'requireTag',
    flag: 'chaos-allowed=true',
    env: 'env=staging',
    file: 'app=orders',
    expect: { flag: 'chaos-allowed=true', env: 'env=staging', file: 'app=orders', default: undefined },
    read: (s) => s.requireTag && `${s.requireTag.key}=${s.requireTag.value}`,
  },
  {
    key: 'taskRole',
    flag: ROLE_A,
    env: ROLE_B,
    file: ROLE_C,
    expect: { flag: ROLE_A, env: ROLE_B, file: ROLE_C, default: undefined },
    read: (s) => s.taskRoleArn,
  },
  {
    key: 'affectedPercent',
    flag: '10',
    env: '20',
    file: 30,
    expect: { flag: 10, env: 20, file: 30, default: 100 },
    read: (s) => s.affectedPercent,
  },
  {
    key: 'duration',
    flag: '2m',
    env: '90s',
    file: 45,
    expect: { flag: 120, env: 90, file: 45, default: 30 },
    read: (s) => s.durationSeconds,
  },
  {
    key: 'interval',
    flag: '5',
    env: '1m',
    file: '7s',
    expect: { flag: 5, env: 60, file: 7, default: 30 },
    read: (s) => s.intervalSeconds,
  },
  {
    key: 'rampTime',
    flag: '0',
    env: '3',
    file: '1m',
    expect: { flag: 0, env: 3, file: 60, default: 0 },
    read: (s) => s.rampTimeSeconds,
  },
  {
    key: 'restoreTimeout',
    flag: '1h',
    env: '10m',
    file: 120,
    expect: { flag: 3600, env: 600, file: 120, default: 900 },
    read: (s) => s.restoreTimeoutSeconds,
  },
  {
    key: 'exposure',
    flag: 'rolling',
    env: 'exact',
    file: 'rolling',
    // Below 100%, auto is exact.
    flags: { affectedPercent: '25' },
    expect: { flag: 'rolling', env: 'exact', file: 'rolling', default: 'exact' },
    read: (s) => s.exposureMode,
  },
  {
    key: 'restoreWait',
    flag: 'first-task',
    env: 'complete',
    file: 'first-task',
    expect: { flag: 'first-task', env: 'complete', file: 'first-task', default: 'complete' },
    read: (s) => s.restoreWait,
  },
  {
    key: 'leaseHeartbeat',
    flag: '2',
    env: '3s',
    file: '1m',
    expect: { flag: 2, env: 3, file: 60, default: 15 },
    read: (s) => s.leaseHeartbeatSeconds,
  },
  {
    key: 'rolloutTimeout',
    flag: '61',
    env: '62s',
    file: '2m',
    expect: { flag: 61, env: 62, file: 120, default: 300 },
    read: (s) => s.rolloutTimeoutSeconds,
  },
  {
    key: 'assumeRoleArn',
    flag: RUNNER,
    env: ROLE_B,
    file: ROLE_C,
    expect: { flag: RUNNER, env: ROLE_B, file: ROLE_C, default: undefined },
    read: (s) => s.auth.assumeRoleArn,
  },
  {
    key: 'authSecretFile',
    flag: 'creds-flag',
    env: 'creds-env',
    file: 'creds-file', // relative to the experiment file, which sits in sub/
    expect: {
      flag: join('<dir>', 'creds-flag'),
      env: join('<dir>', 'creds-env'),
      file: join('<dir>', 'sub', 'creds-file'),
      default: undefined,
    },
    read: (s) => s.auth.authSecretFile,
  },
  {
    key: 'profile',
    flag: 'p-flag',
    env: 'p-env',
    file: 'p-file',
    expect: { flag: 'p-flag', env: 'p-env', file: 'p-file', default: undefined },
    read: (s) => s.auth.profile,
  },
  {
    key: 'endpointUrl',
    flag: 'http://127.0.0.1:1111',
    env: 'http://127.0.0.1:2222',
    file: 'https://example.test/aws',
    expect: {
      flag: 'http://127.0.0.1:1111',
      env: 'http://127.0.0.1:2222',
      file: 'https://example.test/aws',
      default: undefined,
    },
    read: (s) => s.auth.endpointUrl,
  },
  {
    key: 'observedSince',
    flag: '24h',
    file: '90m',
    expect: { flag: 86_400, file: 5_400, default: undefined },
    read: (s) => s.observedSinceSeconds,
  },
  {
    key: 'resultFile',
    flag: 'result-flag.json',
    file: 'result-file.json',
    expect: {
      flag: join('<dir>', 'result-flag.json'),
      file: join('<dir>', 'sub', 'result-file.json'),
      default: undefined,
    },
    read: (s) => s.resultFile,
  },
  {
    key: 'output',
    flag: 'text',
    file: 'json',
    expect: { flag: 'text', file: 'json', default: 'text' },
    read: (s) => s.output,
  },
  {
    key: 'force',
    flag: true,
    file: true,
    fileUnder: false,
    expect: { flag: true, file: true, default: false },
    read: (s) => s.force,
  },
];

describe('precedence: flag > env > file > default', () => {
  const resolveDir = (value: unknown): unknown => (typeof value === 'string' ? value.replace('<dir>', dir) : value);
  const others = (key: FieldKey, extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
    ...Object.fromEntries(Object.entries(REQUIRED_FLAGS).filter(([k]) => k !== key)),
    ...extra,
  });
  const experiment = (name: string, key: FieldKey, value: unknown): string =>
    writeFile(`sub/${name}.json`, JSON.stringify({ [key]: value }));

  test('every tunable of the table has a precedence case', () => {
    assert.deepEqual(PRECEDENCE.map((c) => c.key).sort(), FIELD_LIST.map((f) => f.key).sort());
  });

  for (const c of PRECEDENCE) {
    const field = FIELDS[c.key];
    if (c.expect.default !== undefined || !field.required) {
      test(`${c.key}: the default applies when no source sets it`, () => {
        const spec = load({ flags: { ...REQUIRED_FLAGS, ...c.flags } });
        assert.equal(c.read(spec), c.expect.default);
      });
    }

    test(`${c.key}: the experiment file wins over the default`, () => {
      const file = experiment(`${c.key}-file`, c.key, c.file);
      const spec = load({ flags: others(c.key, c.flags), file });
      assert.equal(c.read(spec), resolveDir(c.expect.file));
    });

    if (field.env !== undefined) {
      test(`${c.key}: env ${field.env} wins over the experiment file`, () => {
        const file = experiment(`${c.key}-env`, c.key, c.fileUnder ?? c.file);
        const spec = load({ flags: others(c.key, c.flags), env: { [field.env]: c.env }, file });
        assert.equal(c.read(spec), resolveDir(c.expect.env));
      });
    }

    test(`${c.key}: flag ${field.flag} wins over ${field.env ? 'env and ' : ''}the experiment file`, () => {
      const file = experiment(`${c.key}-flag`, c.key, c.fileUnder ?? c.file);
      const env = field.env ? { [field.env]: c.env } : {};
      const spec = load({ flags: { ...others(c.key, c.flags), [c.key]: c.flag }, env, file });
      assert.equal(c.read(spec), resolveDir(c.expect.flag));
    });

    if (field.env !== undefined) {
      test(`${c.key}: the experiment file also accepts the key ${field.env}`, () => {
        const file = writeFile(`sub/${c.key}-envkey.yaml`, `${field.env}: ${JSON.stringify(c.file)}\n`);
        const spec = load({ flags: others(c.key, c.flags), file });
        assert.equal(c.read(spec), resolveDir(c.expect.file));
      });
    }
  }

  test('the region falls back to AWS_REGION, then AWS_DEFAULT_REGION, after the experiment file', () => {
    const flags = { cluster: 'prod', service: 'orders', taskRole: REQUIRED_FLAGS.taskRole };
    const both = { AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-3' };
    assert.equal(load({ flags, env: { AWS_DEFAULT_REGION: 'eu-west-3' } }).region, 'eu-west-3');
    assert.equal(load({ flags, env: both }).region, 'eu-west-2');
    assert.equal(load({ flags, env: { ...both, AWS_REGION: '' } }).region, 'eu-west-3');
    const file = writeFile('region.yaml', 'region: ap-south-1\n');
    assert.equal(load({ flags, env: both, file }).region, 'ap-south-1');
    assert.equal(load({ flags, env: { ...both, REGION: 'us-west-2' }, file }).region, 'us-west-2');
  });

  test('an empty TASK_ROLE overrides the file and removes the task role', () => {
    const file = writeFile('role.yaml', `taskRole: ${ROLE_A}\n`);
    const { taskRole: _flag, ...flags } = REQUIRED_FLAGS;
    assert.equal(load({ flags, env: { TASK_ROLE: '' }, file }).taskRoleArn, null);
  });

  test('empty ASSUME_ROLE_ARN, AWS_AUTHENTICATION_SECRET, AWS_PROFILE and AWS_ENDPOINT_URL mean none', () => {
    const env = { ASSUME_ROLE_ARN: '', AWS_AUTHENTICATION_SECRET: '', AWS_PROFILE: '', AWS_ENDPOINT_URL: ' ' };
    assert.deepEqual(load({ flags: REQUIRED_FLAGS, env }).auth, {
      authSecretFile: undefined,
      profile: undefined,
      assumeRoleArn: undefined,
      endpointUrl: undefined,
    });
  });

  test('flags that are not tunables are ignored', () => {
    assert.equal(load({ flags: { ...REQUIRED_FLAGS, file: 'x.yaml', dryRun: true } }).cluster, 'prod');
  });
});

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

describe('parseDuration', () => {
  const ok: [string | number, number][] = [
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    [' 45 ', 45],
    ['24h', MAX_DURATION_SECONDS],
    [60, 60],
    ['007', 7],
  ];
  for (const [input, seconds] of ok) {
    test(`reads ${JSON.stringify(input)} as ${seconds} s`, () => {
      assert.deepEqual(parseDuration(input), { ok: true, seconds });
    });
  }

  const refused: [string | number, RegExp][] = [
    ['-5', /negative/],
    [-5, /negative/],
    ['1.5', /whole number/],
    ['1.5m', /whole number/],
    [2.5, /whole number/],
    ['abc', /not a duration/],
    ['5d', /not a duration/],
    ['5 m', /not a duration/],
    ['1e3', /not a duration/],
    ['', /empty/],
    ['   ', /empty/],
    ['86401', /exceeds the limit of 24h/],
    ['25h', /exceeds/],
    ['99999999999999999999999999', /exceeds/],
    [Number.POSITIVE_INFINITY, /finite/],
    ['0', /at least 1 second/],
  ];
  for (const [input, reason] of refused) {
    test(`refuses ${JSON.stringify(input)}`, () => {
      const parsed = parseDuration(input);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, reason);
    });
  }

  test('allows zero only when the field does', () => {
    assert.deepEqual(parseDuration('0', { minSeconds: 0 }), { ok: true, seconds: 0 });
    assert.deepEqual(parseDuration('0s', { minSeconds: 0 }), { ok: true, seconds: 0 });
    assert.equal(parseDuration('0').ok, false);
  });
});

// ---------------------------------------------------------------------------------------------
// Experiment files
// ---------------------------------------------------------------------------------------------

describe('experiment files', () => {
  const expected = {
    fault: 'update-task-role',
    cluster: 'prod',
    service: 'orders',
    region: 'eu-west-1',
    taskRoleArn: ROLE_A,
    affectedPercent: 50,
    durationSeconds: 120,
    intervalSeconds: 60,
    rampTimeSeconds: 5,
    restoreTimeoutSeconds: 900,
    rolloutTimeoutSeconds: 300,
    exposureMode: 'exact',
    restoreWait: 'complete',
    leaseHeartbeatSeconds: 15,
    requireTag: undefined,
    force: false,
    output: 'text',
    resultFile: undefined,
    observedSinceSeconds: undefined,
    auth: { authSecretFile: undefined, profile: undefined, assumeRoleArn: RUNNER, endpointUrl: undefined },
    probes: [],
    stopConditions: [],
  };

  test('reads a YAML file with camelCase keys', () => {
    const file = writeFile(
      'camel.yaml',
      [
        '# the orders service, half its replicas at a time',
        'fault: update-task-role',
        'cluster: prod',
        'service: orders',
        'region: eu-west-1',
        `taskRole: ${ROLE_A}`,
        'affectedPercent: 50',
        'duration: 2m',
        'interval: 60',
        'rampTime: 5s',
        `assumeRoleArn: ${RUNNER}`,
      ].join('\n'),
    );
    assert.deepEqual(load({ file }), expected);
  });

  test('reads a YAML file with the env var names', () => {
    const file = writeFile(
      'env-names.yml',
      [
        'CLUSTER_NAME: prod',
        'SERVICE_NAME: orders',
        'REGION: eu-west-1',
        `TASK_ROLE: ${ROLE_A}`,
        'TASK_REPLICA_AFFECTED_PERC: "50"',
        'TOTAL_CHAOS_DURATION: "120"',
        'CHAOS_INTERVAL: 1m',
        'RAMP_TIME: 5',
        `ASSUME_ROLE_ARN: ${RUNNER}`,
      ].join('\n'),
    );
    assert.deepEqual(load({ file }), expected);
  });

  test('reads a JSON file with a target mapping', () => {
    const file = writeFile(
      'target.json',
      JSON.stringify(
        {
          fault: 'update-task-role',
          target: { cluster: 'prod', service: 'orders', region: 'eu-west-1' },
          TASK_ROLE: ROLE_A,
          affectedPercent: 50,
          duration: '2m',
          CHAOS_INTERVAL: 60,
          rampTime: 5,
          assumeRoleArn: RUNNER,
        },
        null,
        '\t',
      ),
    );
    assert.deepEqual(load({ file }), expected);
  });

  test('reads a YAML target mapping and the fault from the command line', () => {
    const file = writeFile('target.yaml', 'target:\n  cluster: prod\n  service: orders\n  region: eu-west-1\n');
    const spec = load({ file, fault: 'update-task-role', env: { TASK_ROLE: REQUIRED_FLAGS.taskRole } });
    assert.deepEqual(
      [spec.fault, spec.cluster, spec.service, spec.region],
      ['update-task-role', 'prod', 'orders', 'eu-west-1'],
    );
  });

  test('reduces cluster and service ARNs to names, and takes the cluster from a service ARN', () => {
    const spec = load({
      flags: {
        service: 'arn:aws:ecs:us-east-1:123456789012:service/prod/orders',
        region: 'us-east-1',
        taskRole: REQUIRED_FLAGS.taskRole,
      },
    });
    assert.deepEqual([spec.cluster, spec.service], ['prod', 'orders']);
    const both = load({
      flags: {
        cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        service: 'arn:aws:ecs:us-east-1:123456789012:service/prod/orders',
        region: 'us-east-1',
        taskRole: REQUIRED_FLAGS.taskRole,
      },
    });
    assert.deepEqual([both.cluster, both.service], ['prod', 'orders']);
  });

  test('accepts roles of the region partition: aws-cn for cn- regions, aws-us-gov for us-gov- regions', () => {
    const cn = load({
      flags: { ...REQUIRED_FLAGS, region: 'cn-north-1', taskRole: 'arn:aws-cn:iam::123456789012:role/x' },
    });
    assert.equal(cn.taskRoleArn, 'arn:aws-cn:iam::123456789012:role/x');
    const gov = load({
      flags: {
        ...REQUIRED_FLAGS,
        region: 'us-gov-west-1',
        taskRole: '',
        assumeRoleArn: 'arn:aws-us-gov:iam::123456789012:role/r',
      },
    });
    assert.equal(gov.auth.assumeRoleArn, 'arn:aws-us-gov:iam::123456789012:role/r');
  });

  test('reads the credentials file named by AWS_AUTHENTICATION_SECRET with the profile given', () => {
    const spec = load({
      flags: { ...REQUIRED_FLAGS, profile: 'default' },
      env: { AWS_AUTHENTICATION_SECRET: 'creds-good' },
    });
    assert.equal(spec.auth.authSecretFile, path('creds-good'));
    assert.equal(spec.auth.profile, 'default');
  });

  test('returns a deeply frozen spec', () => {
    const spec = load({ flags: REQUIRED_FLAGS });
    assert.ok(Object.isFrozen(spec));
    assert.ok(Object.isFrozen(spec.auth));
    assert.throws(() => {
      (spec as { cluster: string }).cluster = 'other';
    }, TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// The target guard (CHAOS_REQUIRE_TAG)
// ---------------------------------------------------------------------------------------------

describe('the required tag', () => {
  const parsed: [string, { key: string; value: string }][] = [
    ['chaos-allowed=true', { key: 'chaos-allowed', value: 'true' }],
    ['expr=a=b', { key: 'expr', value: 'a=b' }],
    ['chaos-allowed=', { key: 'chaos-allowed', value: '' }],
    ['aws:cloudformation:stack-name=prod-orders', { key: 'aws:cloudformation:stack-name', value: 'prod-orders' }],
    ['Team Name=Platform Ops', { key: 'Team Name', value: 'Platform Ops' }],
    ['owner=ops@example.com', { key: 'owner', value: 'ops@example.com' }],
    ['path/to+x_y.z=/a/b:c', { key: 'path/to+x_y.z', value: '/a/b:c' }],
    ['équipe=données', { key: 'équipe', value: 'données' }],
    ['  app=orders  ', { key: 'app', value: 'orders' }],
    [`${'k'.repeat(128)}=${'v'.repeat(256)}`, { key: 'k'.repeat(128), value: 'v'.repeat(256) }],
  ];
  for (const [text, tag] of parsed) {
    test(`reads ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)} with the first '=' splitting`, () => {
      assert.deepEqual(load({ flags: { ...REQUIRED_FLAGS, requireTag: text } }).requireTag, tag);
    });
  }

  test('is unset by default, and an empty CHAOS_REQUIRE_TAG means no guard even over the file', () => {
    assert.equal(load({ flags: REQUIRED_FLAGS }).requireTag, undefined);
    const file = writeFile('tag-under-env.yaml', 'requireTag: app=orders\n');
    assert.equal(load({ flags: REQUIRED_FLAGS, env: { CHAOS_REQUIRE_TAG: '' }, file }).requireTag, undefined);
    assert.deepEqual(load({ flags: REQUIRED_FLAGS, file }).requireTag, { key: 'app', value: 'orders' });
  });

  test('is frozen with the rest of the spec', () => {
    const spec = load({ flags: { ...REQUIRED_FLAGS, requireTag: 'app=orders' } });
    assert.ok(Object.isFrozen(spec.requireTag));
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid input
// ---------------------------------------------------------------------------------------------

interface InvalidCase {
  readonly name: string;
  readonly flags?: Record<string, string | boolean>;
  /** Replaces the required flags instead of adding to them. */
  readonly onlyFlags?: boolean;
  readonly env?: Record<string, string>;
  /** An experiment file: [name, text]. */
  readonly file?: readonly [string, string];
  readonly fault?: string;
  /** The field the message must name. */
  readonly field: string;
  /** The value the message must show (as JSON); `undefined` for a missing field. */
  readonly value: unknown;
  /** Where the value came from, as the message must say. */
  readonly source: string;
  /** Something else the message must say. */
  readonly says?: RegExp;
}

const D = 'TOTAL_CHAOS_DURATION';
const setsTaskRole = (text: string | undefined): boolean => /\b(taskRole|TASK_ROLE)\b/.test(text ?? '');
const fileCase = (
  name: string,
  fileName: string,
  text: string,
  field: string,
  value: unknown,
  line: number,
  says?: RegExp,
): InvalidCase => ({
  name: `file: ${name}`,
  onlyFlags: true,
  // The task role from the environment keeps the file's line numbers those of the case.
  ...(setsTaskRole(text) ? {} : { env: { TASK_ROLE: REQUIRED_FLAGS.taskRole } }),
  file: [fileName, text],
  field,
  value,
  source: `${fileName} line ${line}`,
  ...(says ? { says } : {}),
});
const BASE_FILE = 'cluster: prod\nservice: orders\nregion: us-east-1\n';

/** The required flags, without the task role when the case sets it by env or file (a flag would win). */
function requiredFor(c: InvalidCase): Record<string, string> {
  const { taskRole, ...rest } = REQUIRED_FLAGS;
  return c.env?.TASK_ROLE !== undefined || setsTaskRole(c.file?.[1]) ? rest : { ...rest, taskRole };
}

const INVALID: readonly InvalidCase[] = [
  // durations by flag
  {
    name: 'negative duration',
    flags: { duration: '-5' },
    field: D,
    value: '-5',
    source: 'flag --duration',
    says: /negative/,
  },
  {
    name: 'zero duration',
    flags: { duration: '0' },
    field: D,
    value: '0',
    source: 'flag --duration',
    says: /at least 1/,
  },
  { name: 'non-numeric duration', flags: { duration: 'abc' }, field: D, value: 'abc', source: 'flag --duration' },
  {
    name: 'fractional duration',
    flags: { duration: '1.5' },
    field: D,
    value: '1.5',
    source: 'flag --duration',
    says: /whole/,
  },
  {
    name: 'duration over 24h',
    flags: { duration: '25h' },
    field: D,
    value: '25h',
    source: 'flag --duration',
    says: /24h/,
  },
  {
    name: 'overflowing duration',
    flags: { duration: '99999999999999999999999' },
    field: D,
    value: '99999999999999999999999',
    source: 'flag --duration',
    says: /exceeds/,
  },
  { name: 'empty duration', flags: { duration: '' }, field: D, value: '', source: 'flag --duration', says: /empty/ },
  { name: 'zero interval', flags: { interval: '0' }, field: 'CHAOS_INTERVAL', value: '0', source: 'flag --interval' },
  {
    name: 'interval in days',
    flags: { interval: '5d' },
    field: 'CHAOS_INTERVAL',
    value: '5d',
    source: 'flag --interval',
  },
  {
    name: 'negative ramp time',
    flags: { rampTime: '-1' },
    field: 'RAMP_TIME',
    value: '-1',
    source: 'flag --ramp-time',
  },
  {
    name: 'ramp time over 24h',
    flags: { rampTime: '86401' },
    field: 'RAMP_TIME',
    value: '86401',
    source: 'flag --ramp-time',
  },
  {
    name: 'zero restore timeout',
    flags: { restoreTimeout: '0' },
    field: 'RESTORE_TIMEOUT',
    value: '0',
    source: 'flag --restore-timeout',
  },
  {
    name: 'fractional rollout timeout',
    flags: { rolloutTimeout: '2.5m' },
    field: 'ROLLOUT_TIMEOUT',
    value: '2.5m',
    source: 'flag --rollout-timeout',
  },
  // percent by flag
  ...['0', '101', 'abc', '50.5', '-10', '50%'].map((value): InvalidCase => ({
    name: `affected percent ${value}`,
    flags: { affectedPercent: value },
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value,
    source: 'flag --affected-percent',
  })),
  // role ARNs by flag
  {
    name: 'task role not an ARN',
    flags: { taskRole: 'chaos-role' },
    field: 'TASK_ROLE',
    value: 'chaos-role',
    source: 'flag --task-role',
    says: /not an ARN/,
  },
  {
    name: 'task role ARN of S3',
    flags: { taskRole: 'arn:aws:s3:::bucket' },
    field: 'TASK_ROLE',
    value: 'arn:aws:s3:::bucket',
    source: 'flag --task-role',
    says: /service 's3'/,
  },
  {
    name: 'task role ARN of a user',
    flags: { taskRole: 'arn:aws:iam::123456789012:user/bob' },
    field: 'TASK_ROLE',
    value: 'arn:aws:iam::123456789012:user/bob',
    source: 'flag --task-role',
    says: /not a role/,
  },
  {
    name: 'task role ARN with a short account',
    flags: { taskRole: 'arn:aws:iam::12345:role/x' },
    field: 'TASK_ROLE',
    value: 'arn:aws:iam::12345:role/x',
    source: 'flag --task-role',
    says: /12-digit/,
  },
  {
    name: 'task role of aws-cn in us-east-1',
    flags: { taskRole: 'arn:aws-cn:iam::123456789012:role/x' },
    field: 'TASK_ROLE',
    value: 'arn:aws-cn:iam::123456789012:role/x',
    source: 'flag --task-role',
    says: /partition 'aws-cn'.*partition 'aws'/,
  },
  {
    name: 'task role of aws in cn-north-1',
    flags: { region: 'cn-north-1', taskRole: ROLE_A },
    field: 'TASK_ROLE',
    value: ROLE_A,
    source: 'flag --task-role',
    says: /partition 'aws-cn'/,
  },
  {
    name: 'task role of aws-us-gov in us-east-1',
    flags: { taskRole: 'arn:aws-us-gov:iam::123456789012:role/x' },
    field: 'TASK_ROLE',
    value: 'arn:aws-us-gov:iam::123456789012:role/x',
    source: 'flag --task-role',
  },
  {
    name: 'assume role ARN of an STS session',
    flags: { assumeRoleArn: 'arn:aws:sts::123456789012:assumed-role/x/y' },
    field: 'ASSUME_ROLE_ARN',
    value: 'arn:aws:sts::123456789012:assumed-role/x/y',
    source: 'flag --assume-role-arn',
  },
  {
    name: 'assume role of aws-cn in us-east-1',
    flags: { assumeRoleArn: 'arn:aws-cn:iam::123456789012:role/r' },
    field: 'ASSUME_ROLE_ARN',
    value: 'arn:aws-cn:iam::123456789012:role/r',
    source: 'flag --assume-role-arn',
  },
  {
    name: 'assume role equal to the chaos task role',
    flags: { assumeRoleArn: ROLE_A, taskRole: ROLE_A },
    field: 'ASSUME_ROLE_ARN',
    value: ROLE_A,
    source: 'flag --assume-role-arn',
    says: /TASK_ROLE/,
  },
  // the required tag
  ...(
    [
      ['a tag without =', 'chaos-allowed', /no '='/],
      ['a tag with an empty key', '=true', /empty key/],
      ['a tag with spaces around =', 'app = orders', /spaces around '='/],
      ['a tag key of 129 characters', `${'k'.repeat(129)}=v`, /key of 129 characters.*at most 128/],
      ['a tag value of 257 characters', `k=${'v'.repeat(257)}`, /value of 257 characters.*at most 256/],
      ['a tag with a comma', 'app=orders,billing', /"," in its value/],
      ['a tag key with a semicolon', 'app;x=orders', /";" in its key/],
      ['a tag with a tab', 'app=or\tders', /"\\t" in its value/],
      ['a tag with a star', 'app=*', /"\*" in its value/],
    ] as const
  ).map(([name, value, says]): InvalidCase => ({
    name,
    flags: { requireTag: value },
    field: 'CHAOS_REQUIRE_TAG',
    value,
    source: 'flag --require-tag',
    says,
  })),
  {
    name: 'a tag without = from env',
    env: { CHAOS_REQUIRE_TAG: 'chaos-allowed' },
    field: 'CHAOS_REQUIRE_TAG',
    value: 'chaos-allowed',
    source: 'env CHAOS_REQUIRE_TAG',
    says: /Fix: .*e\.g\. CHAOS_REQUIRE_TAG=chaos-allowed=true/,
  },
  fileCase(
    'a required tag given as a mapping',
    'tag-mapping.yaml',
    `${BASE_FILE}requireTag:\n  chaos-allowed: "true"\n`,
    'CHAOS_REQUIRE_TAG',
    { 'chaos-allowed': 'true' },
    4,
    /not a mapping.*e\.g\. requireTag: chaos-allowed=true/,
  ),
  fileCase(
    'a required tag given as a number',
    'tag-number.yaml',
    `${BASE_FILE}CHAOS_REQUIRE_TAG: 42\n`,
    'CHAOS_REQUIRE_TAG',
    42,
    4,
  ),
  // names by flag
  {
    name: 'empty cluster',
    flags: { cluster: '' },
    field: 'CLUSTER_NAME',
    value: '',
    source: 'flag --cluster',
    says: /empty/,
  },
  {
    name: 'cluster with a space',
    flags: { cluster: 'my cluster' },
    field: 'CLUSTER_NAME',
    value: 'my cluster',
    source: 'flag --cluster',
  },
  {
    name: 'cluster name too long',
    flags: { cluster: 'a'.repeat(256) },
    field: 'CLUSTER_NAME',
    value: 'a'.repeat(256),
    source: 'flag --cluster',
  },
  {
    name: 'service ARN given as the cluster',
    flags: { cluster: 'arn:aws:ecs:us-east-1:123456789012:service/prod/orders' },
    field: 'CLUSTER_NAME',
    value: 'arn:aws:ecs:us-east-1:123456789012:service/prod/orders',
    source: 'flag --cluster',
    says: /not an ECS cluster ARN/,
  },
  {
    name: 'cluster ARN of another region',
    flags: { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod' },
    field: 'CLUSTER_NAME',
    value: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
    source: 'flag --cluster',
    says: /region 'eu-west-1'/,
  },
  {
    name: 'IAM ARN given as the cluster',
    flags: { cluster: ROLE_A },
    field: 'CLUSTER_NAME',
    value: ROLE_A,
    source: 'flag --cluster',
    says: /service 'iam'/,
  },
  {
    name: 'service with a !',
    flags: { service: 'orders!' },
    field: 'SERVICE_NAME',
    value: 'orders!',
    source: 'flag --service',
  },
  {
    name: 'service ARN of another cluster',
    flags: { service: 'arn:aws:ecs:us-east-1:123456789012:service/other/orders' },
    field: 'SERVICE_NAME',
    value: 'arn:aws:ecs:us-east-1:123456789012:service/other/orders',
    source: 'flag --service',
    says: /cluster 'other', but CLUSTER_NAME is 'prod'/,
  },
  {
    name: 'cluster ARN given as the service',
    flags: { service: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' },
    field: 'SERVICE_NAME',
    value: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
    source: 'flag --service',
  },
  {
    name: 'service ARN of aws-cn in us-east-1',
    flags: { service: 'arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/orders' },
    field: 'SERVICE_NAME',
    value: 'arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/orders',
    source: 'flag --service',
    says: /partition/,
  },
  {
    name: 'truncated region',
    flags: { region: 'us-east' },
    field: 'REGION',
    value: 'us-east',
    source: 'flag --region',
  },
  {
    name: 'upper-case region',
    flags: { region: 'US-EAST-1' },
    field: 'REGION',
    value: 'US-EAST-1',
    source: 'flag --region',
  },
  { name: 'empty region', flags: { region: '' }, field: 'REGION', value: '', source: 'flag --region' },
  // other flags
  {
    name: 'endpoint without a scheme',
    flags: { endpointUrl: 'localhost:4599' },
    field: 'AWS_ENDPOINT_URL',
    value: 'localhost:4599',
    source: 'flag --endpoint-url',
  },
  {
    name: 'ftp endpoint',
    flags: { endpointUrl: 'ftp://x' },
    field: 'AWS_ENDPOINT_URL',
    value: 'ftp://x',
    source: 'flag --endpoint-url',
  },
  {
    name: 'endpoint not a URL',
    flags: { endpointUrl: 'not a url' },
    field: 'AWS_ENDPOINT_URL',
    value: 'not a url',
    source: 'flag --endpoint-url',
  },
  {
    name: 'output yaml',
    flags: { output: 'yaml' },
    field: '--output',
    value: 'yaml',
    source: 'flag --output',
    says: /text, json/,
  },
  {
    name: 'cluster flag without a value',
    flags: { cluster: true },
    field: 'CLUSTER_NAME',
    value: true,
    source: 'flag --cluster',
  },
  {
    name: 'result file in a missing directory',
    flags: { resultFile: 'no-such-dir/result.json' },
    field: '--result-file',
    value: 'no-such-dir/result.json',
    source: 'flag --result-file',
  },
  {
    name: 'result file is a directory',
    flags: { resultFile: 'a-directory' },
    field: '--result-file',
    value: 'a-directory',
    source: 'flag --result-file',
  },
  // credentials files
  {
    name: 'missing credentials file',
    flags: { authSecretFile: 'creds-missing' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/creds-missing',
    source: 'flag --auth-secret-file',
    says: /does not exist/,
  },
  {
    name: 'unreadable credentials file (a directory)',
    flags: { authSecretFile: 'a-directory' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/a-directory',
    source: 'flag --auth-secret-file',
  },
  {
    name: 'malformed credentials file',
    flags: { authSecretFile: 'creds-malformed' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/creds-malformed',
    source: 'flag --auth-secret-file',
    says: /line 2/,
  },
  {
    name: 'credentials file without the profile',
    flags: { authSecretFile: 'creds-good', profile: 'prod' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/creds-good',
    source: 'flag --auth-secret-file',
    says: /profiles found: default/,
  },
  {
    name: 'credentials file without a secret',
    flags: { authSecretFile: 'creds-no-secret' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/creds-no-secret',
    source: 'flag --auth-secret-file',
  },
  {
    name: 'credentials file by env, missing',
    env: { AWS_AUTHENTICATION_SECRET: 'creds-missing' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: '<dir>/creds-missing',
    source: 'env AWS_AUTHENTICATION_SECRET',
  },
  // the fault
  {
    name: 'unknown fault',
    fault: 'pod-delete',
    field: 'fault',
    value: 'pod-delete',
    source: 'command line',
    says: /update-task-role/,
  },
  {
    // The command line's fault used to override the file's silently, unknown or not.
    name: "file: unknown fault under the command line's",
    onlyFlags: true,
    file: ['fault-under-cli.yaml', `fault: update-exec-role\n${BASE_FILE}`],
    fault: 'update-task-role',
    field: 'fault',
    value: 'update-exec-role',
    source: 'fault-under-cli.yaml line 1',
    says: /is not a fault ecs-chaos knows/,
  },
  // env vars
  { name: 'env negative duration', env: { [D]: '-30' }, field: D, value: '-30', source: `env ${D}` },
  { name: 'env empty duration', env: { [D]: '' }, field: D, value: '', source: `env ${D}` },
  {
    name: 'env zero interval',
    env: { CHAOS_INTERVAL: '0' },
    field: 'CHAOS_INTERVAL',
    value: '0',
    source: 'env CHAOS_INTERVAL',
  },
  {
    name: 'env non-numeric ramp time',
    env: { RAMP_TIME: 'abc' },
    field: 'RAMP_TIME',
    value: 'abc',
    source: 'env RAMP_TIME',
  },
  {
    name: 'env exponent restore timeout',
    env: { RESTORE_TIMEOUT: '1e3' },
    field: 'RESTORE_TIMEOUT',
    value: '1e3',
    source: 'env RESTORE_TIMEOUT',
  },
  {
    name: 'env percent 101',
    env: { TASK_REPLICA_AFFECTED_PERC: '101' },
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value: '101',
    source: 'env TASK_REPLICA_AFFECTED_PERC',
  },
  {
    name: 'env task role of a group',
    env: { TASK_ROLE: 'arn:aws:iam::123456789012:group/x' },
    field: 'TASK_ROLE',
    value: 'arn:aws:iam::123456789012:group/x',
    source: 'env TASK_ROLE',
  },
  {
    name: 'env assume role garbage',
    env: { ASSUME_ROLE_ARN: 'garbage' },
    field: 'ASSUME_ROLE_ARN',
    value: 'garbage',
    source: 'env ASSUME_ROLE_ARN',
  },
  {
    name: 'env empty cluster',
    onlyFlags: true,
    flags: { service: 'orders', region: 'us-east-1' },
    env: { CLUSTER_NAME: '' },
    field: 'CLUSTER_NAME',
    value: '',
    source: 'env CLUSTER_NAME',
  },
  {
    name: 'env blank service',
    onlyFlags: true,
    flags: { cluster: 'prod', region: 'us-east-1' },
    env: { SERVICE_NAME: '  ' },
    field: 'SERVICE_NAME',
    value: '  ',
    source: 'env SERVICE_NAME',
  },
  {
    name: 'env region on the moon',
    onlyFlags: true,
    flags: { cluster: 'prod', service: 'orders' },
    env: { REGION: 'moon-1' },
    field: 'REGION',
    value: 'moon-1',
    source: 'env REGION',
  },
  {
    name: 'env AWS_REGION fallback malformed',
    onlyFlags: true,
    flags: { cluster: 'prod', service: 'orders' },
    env: { AWS_REGION: 'useast1' },
    field: 'REGION',
    value: 'useast1',
    source: 'env AWS_REGION',
  },
  {
    name: 'env ftp endpoint',
    env: { AWS_ENDPOINT_URL: 'ftp://x' },
    field: 'AWS_ENDPOINT_URL',
    value: 'ftp://x',
    source: 'env AWS_ENDPOINT_URL',
  },
  // missing required fields
  {
    // Leaving the task role out must never remove it: removal is asked for with an empty value.
    name: 'no task role anywhere',
    onlyFlags: true,
    flags: { cluster: 'prod', service: 'orders', region: 'us-east-1' },
    field: 'TASK_ROLE',
    value: undefined,
    source: 'flag --task-role, env TASK_ROLE',
    says: /required.*TASK_ROLE=/s,
  },
  {
    name: 'no cluster anywhere',
    onlyFlags: true,
    flags: { service: 'orders', region: 'us-east-1' },
    field: 'CLUSTER_NAME',
    value: undefined,
    source: 'flag --cluster, env CLUSTER_NAME',
    says: /required/,
  },
  {
    name: 'no service anywhere',
    onlyFlags: true,
    flags: { cluster: 'prod', region: 'us-east-1' },
    field: 'SERVICE_NAME',
    value: undefined,
    source: 'flag --service, env SERVICE_NAME',
  },
  {
    name: 'no region anywhere',
    onlyFlags: true,
    flags: { cluster: 'prod', service: 'orders' },
    field: 'REGION',
    value: undefined,
    source: 'flag --region, env REGION, env AWS_REGION, env AWS_DEFAULT_REGION',
  },
  // the experiment file itself
  {
    name: 'missing experiment file',
    onlyFlags: true,
    file: ['', ''],
    field: '--file',
    value: 'nope.yaml',
    source: 'flag --file',
  },
  fileCase(
    'malformed YAML',
    'bad.yaml',
    `${BASE_FILE}duration: 60\n  ramp: [\n`,
    '--file',
    'duration: 60',
    4,
    /not valid YAML/,
  ),
  fileCase(
    'malformed JSON',
    'bad.json',
    '{\n  "cluster": "prod",\n  "service" "orders"\n}\n',
    '--file',
    '"service" "orders"',
    3,
  ),
  fileCase('duplicate YAML key', 'dup.yaml', `${BASE_FILE}cluster: other\n`, '--file', 'cluster: other', 4, /unique/),
  fileCase('empty file', 'empty.yaml', '# nothing here\n', '--file', '', 1, /empty/),
  fileCase('a list at the root', 'list.yaml', '- cluster: prod\n', '--file', [{ cluster: 'prod' }], 1, /mapping/),
  fileCase('a scalar at the root', 'scalar.yaml', 'prod\n', '--file', 'prod', 1, /mapping/),
  fileCase('misspelt key', 'typo.yaml', `${BASE_FILE}clustr: x\n`, 'clustr', 'x', 4, /did you mean 'cluster'/),
  fileCase(
    'misspelt env key',
    'typo-env.yaml',
    `${BASE_FILE}TOTAL_CHAOS_DURATON: 5\n`,
    'TOTAL_CHAOS_DURATON',
    5,
    4,
    /did you mean 'TOTAL_CHAOS_DURATION'/,
  ),
  fileCase('unknown key', 'unknown.yaml', `${BASE_FILE}color: blue\n`, 'color', 'blue', 4, /not a key/),
  fileCase(
    'unknown target key',
    'target-key.yaml',
    'target:\n  cluster: prod\n  servce: orders\n',
    'servce',
    'orders',
    3,
    /did you mean 'service'/,
  ),
  fileCase('target not a mapping', 'target-list.yaml', 'target: [prod]\n', 'target', ['prod'], 1),
  fileCase('duration as a list', 'dur-list.yaml', `${BASE_FILE}duration: [1]\n`, D, [1], 4, /list/),
  fileCase('duration as a mapping', 'dur-map.yaml', `${BASE_FILE}duration: {a: 1}\n`, D, { a: 1 }, 4, /mapping/),
  fileCase('duration as a boolean', 'dur-bool.yaml', `${BASE_FILE}duration: true\n`, D, true, 4),
  fileCase('fractional duration', 'dur-frac.yaml', `${BASE_FILE}duration: 1.5\n`, D, 1.5, 4, /whole/),
  fileCase('negative duration', 'dur-neg.yaml', `${BASE_FILE}TOTAL_CHAOS_DURATION: -1\n`, D, -1, 4, /negative/),
  fileCase('percent 0', 'perc.yaml', `${BASE_FILE}TASK_REPLICA_AFFECTED_PERC: 0\n`, 'TASK_REPLICA_AFFECTED_PERC', 0, 4),
  fileCase(
    'percent text',
    'perc-text.yaml',
    `${BASE_FILE}affectedPercent: abc\n`,
    'TASK_REPLICA_AFFECTED_PERC',
    'abc',
    4,
  ),
  fileCase(
    'numeric cluster name',
    'num-cluster.yaml',
    'cluster: 123\nservice: orders\nregion: us-east-1\n',
    'CLUSTER_NAME',
    123,
    1,
    /quote it/,
  ),
  fileCase(
    'cluster given twice',
    'twice.yaml',
    `${BASE_FILE}CLUSTER_NAME: other\n`,
    'CLUSTER_NAME',
    'other',
    4,
    /twice/,
  ),
  fileCase(
    'cluster in target and at the top',
    'twice-target.yaml',
    `target:\n  cluster: a\n${BASE_FILE}`,
    'CLUSTER_NAME',
    'prod',
    3,
    /twice/,
  ),
  fileCase(
    'unknown fault',
    'fault.yaml',
    `fault: pod-delete\n${BASE_FILE}`,
    'fault',
    'pod-delete',
    1,
    /update-task-role/,
  ),
  fileCase(
    'fault as a list',
    'fault-list.yaml',
    `fault: [update-task-role]\n${BASE_FILE}`,
    'fault',
    ['update-task-role'],
    1,
  ),
  fileCase(
    'role of another partition',
    'role-cn.yaml',
    `${BASE_FILE}taskRole: arn:aws-cn:iam::123456789012:role/x\n`,
    'TASK_ROLE',
    'arn:aws-cn:iam::123456789012:role/x',
    4,
  ),
  fileCase('force yes', 'force.yaml', `${BASE_FILE}force: yes\n`, '--force', 'yes', 4),
  fileCase('output yaml', 'output.yaml', `${BASE_FILE}output: yaml\n`, '--output', 'yaml', 4),
  fileCase('endpoint ftp', 'endpoint.yaml', `${BASE_FILE}endpointUrl: ftp://x\n`, 'AWS_ENDPOINT_URL', 'ftp://x', 4),
  fileCase(
    'credentials file missing next to the experiment',
    'creds.yaml',
    `${BASE_FILE}authSecretFile: nope\n`,
    'AWS_AUTHENTICATION_SECRET',
    '<dir>/nope',
    4,
  ),
  fileCase(
    'empty service',
    'empty-service.yaml',
    'cluster: prod\nservice: ""\nregion: us-east-1\n',
    'SERVICE_NAME',
    '',
    2,
    /empty/,
  ),
  fileCase('null region', 'null-region.yaml', 'cluster: prod\nservice: orders\nregion: ~\n', 'REGION', null, 3),
];

describe('invalid input', () => {
  test('the table holds at least 60 cases', () => {
    assert.ok(INVALID.length >= 60, `only ${INVALID.length} cases`);
  });

  for (const c of INVALID) {
    test(`refuses ${c.name}`, () => {
      // Prepare
      let file: string | undefined;
      if (c.file) file = c.file[0] === '' ? 'nope.yaml' : writeFile(c.file[0], c.file[1]);
      const sources: Partial<ConfigSources> = {
        flags: c.onlyFlags ? { ...c.flags } : { ...requiredFor(c), ...c.flags },
        env: c.env ?? {},
        ...(file === undefined ? {} : { file }),
        ...(c.fault === undefined ? {} : { fault: c.fault }),
      };
      // Act
      let caught: unknown;
      try {
        load(sources);
      } catch (err) {
        caught = err;
      }
      // Assess
      assert.ok(caught instanceof InvalidInputError, `expected InvalidInputError, got ${String(caught)}`);
      const { message } = caught;
      const value = typeof c.value === 'string' ? c.value.replace('<dir>', dir) : c.value;
      const shown = value === undefined ? 'got undefined' : `got ${JSON.stringify(value)}`;
      assert.equal(caught.field, c.field, message);
      assert.ok(message.startsWith(`${c.field} `), `the message does not start with the field: ${message}`);
      assert.ok(message.includes(shown), `the message does not show the value (${shown}): ${message}`);
      assert.ok(message.includes(`(from ${c.source}`), `the message does not name the source ${c.source}: ${message}`);
      assert.ok(message.includes('Fix: '), `the message has no fix: ${message}`);
      assert.equal(caught.fault, 'user');
      if (c.says) assert.match(message, c.says);
    });
  }
});

describe('the field table', () => {
  test('names every field by its env var, or its flag when it has none', () => {
    assert.equal(fieldName(FIELDS.duration), 'TOTAL_CHAOS_DURATION');
    assert.equal(fieldName(FIELDS.output), '--output');
    for (const field of FIELD_LIST) {
      assert.ok(field.fileKeys.includes(field.key), `${field.key} is not one of its own file keys`);
      if (field.env)
        assert.ok(field.fileKeys.includes(field.env), `${field.key} does not accept ${field.env} in files`);
      assert.match(field.flag, /^--[a-z]+(-[a-z]+)*$/);
      assert.ok(field.description.length > 0);
    }
  });
});
