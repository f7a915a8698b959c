/**
 * The bad-input table: the built program, given one invalid input at a time against a live sandbox,
 * exits 2 with a message naming the field, the value and the fix, and calls AWS not at all.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIELD_LIST } from '../../src/config/fields.js';
import { runCli } from '../support/cli.js';
import { withSandbox } from '../support/sandbox.js';

const ACCOUNT = '123456789012';
const CHAOS_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-chaos-role`;
const SERVICE_ARN = (cluster: string, region = 'us-east-1', partition = 'aws'): string =>
  `arn:${partition}:ecs:${region}:${ACCOUNT}:service/${cluster}/orders`;

/** A valid target, given as the seed's env vars so that a flag or another env value can replace any part. */
const BASE_ENV = {
  CLUSTER_NAME: 'demo',
  SERVICE_NAME: 'orders',
  REGION: 'us-east-1',
  TASK_ROLE: CHAOS_ROLE,
  // Should a case wrongly pass validation, the run it starts is short (and the test still fails).
  TOTAL_CHAOS_DURATION: '1',
  CHAOS_INTERVAL: '1',
} as const;

/** Shown by commander under each of its usage errors. */
const USAGE_HINT = /\(run with --help for usage\)/;

/** One invalid input. */
interface BadInput {
  readonly name: string;
  /** The command line; `run update-task-role` plus `args` when absent. */
  readonly argv?: readonly string[];
  readonly args?: readonly string[];
  /** Env vars on top of (or, as `undefined`, removing) {@link BASE_ENV}. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Leave out {@link BASE_ENV}: for cases about experiment files and missing fields. */
  readonly noBase?: boolean;
  /** The field stderr must name: `ecs-chaos: FIELD (from ...)` for ours, the flag or command for commander. */
  readonly field: string;
  /** For our errors: the value stderr must show as `(got JSON)`; `undefined` for a missing field. */
  readonly value?: unknown;
  /** For commander's errors: the text naming the offending value. */
  readonly shows?: string;
  /** Who reports the error: the loader (a `Fix:`), or commander (the usage hint). @default 'ours' */
  readonly by?: 'ours' | 'commander';
  /** Something else stderr must say. */
  readonly says?: RegExp;
  /** Something stderr must not contain (a secret). */
  readonly hides?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-bad-input-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const GOOD_CREDENTIALS = '[default]\naws_access_key_id = test\naws_secret_access_key = test\n';
const TARGET_FILE = 'cluster: demo\nservice: orders\nregion: us-east-1\n';

const FILES = {
  credsMalformed: file('creds-malformed', '[default]\nthis line is neither a header nor a key\n'),
  credsDefaultOnly: file('creds-default-only', GOOD_CREDENTIALS),
  credsNoSecret: file('creds-no-secret', '[default]\naws_access_key_id = AKIAEXAMPLE000000001\n'),
  credsEmpty: file('creds-empty', ''),
  credsHeaderless: file('creds-headerless', 'aws_access_key_id = test\naws_secret_access_key = test\n'),
  // Tests usually run as root, who reads a chmod 000 file anyway: a directory stands in for an
  // unreadable file, and the chmod 000 case runs only for other users.
  credsDirectory: join(dir, 'creds-directory'),
  credsNoPermission: file('creds-no-permission', GOOD_CREDENTIALS),
  yamlUnclosed: file('unclosed.yaml', `${TARGET_FILE}duration: [1\ninterval: 1\n`),
  yamlBadIndent: file('bad-indent.yaml', 'cluster: demo\n  service: orders\nregion: us-east-1\n'),
  yamlUnclosedQuote: file('unclosed-quote.yaml', 'cluster: "demo\nservice: orders\nregion: us-east-1\n'),
  jsonMissingComma: file('missing-comma.json', '{\n  "cluster": "demo"\n  "service": "orders"\n}\n'),
  jsonUnclosed: file('unclosed.json', '{"cluster": "demo", "service": "orders", "region": "us-east-1"\n'),
  durationList: file('duration-list.yaml', `${TARGET_FILE}duration: [1]\n`),
  clusterNumber: file('cluster-number.yaml', 'cluster: 42\nservice: orders\nregion: us-east-1\n'),
  serviceMapping: file(
    'service-mapping.json',
    '{"cluster": "demo", "service": {"name": "orders"}, "region": "us-east-1"}',
  ),
  percentBoolean: file('percent-boolean.yaml', `${TARGET_FILE}affectedPercent: true\n`),
  percentFile: file('percent-file.yaml', `${TARGET_FILE}TASK_REPLICA_AFFECTED_PERC: 150\n`),
  forceText: file('force-text.yaml', `${TARGET_FILE}force: "yes"\n`),
  taskRoleNumber: file('task-role-number.yaml', `${TARGET_FILE}taskRole: 5\n`),
  durationNegative: file(
    'duration-negative.json',
    '{"cluster":"demo","service":"orders","region":"us-east-1","duration":-30}',
  ),
  unknownKeyTypo: file('unknown-typo.yaml', 'clustr: demo\nservice: orders\nregion: us-east-1\n'),
  unknownKey: file('unknown-key.yaml', `${TARGET_FILE}colour: blue\n`),
  unknownTargetKey: file('unknown-target.yaml', 'target:\n  cluster: demo\n  servce: orders\n  region: us-east-1\n'),
  unknownFault: file('unknown-fault.yaml', `fault: update-exec-role\n${TARGET_FILE}`),
  faultList: file('fault-list.yaml', `fault: [update-task-role]\n${TARGET_FILE}`),
  fileList: file('list.yaml', '- cluster: demo\n- service: orders\n'),
  fileEmpty: file('empty.yaml', ''),
  fileDuplicate: file('duplicate.yaml', `${TARGET_FILE}CLUSTER_NAME: other\n`),
  noCluster: file('no-cluster.yaml', 'service: orders\nregion: us-east-1\n'),
};
mkdirSync(FILES.credsDirectory);
chmodSync(FILES.credsNoPermission, 0o000);
const RUNNING_AS_ROOT = process.getuid?.() === 0;

const DURATION_FIELDS = [
  ['--duration', 'TOTAL_CHAOS_DURATION'],
  ['--interval', 'CHAOS_INTERVAL'],
  ['--ramp-time', 'RAMP_TIME'],
  ['--restore-timeout', 'RESTORE_TIMEOUT'],
  ['--rollout-timeout', 'ROLLOUT_TIMEOUT'],
] as const;
const BAD_DURATIONS = [
  ['negative', '-5', /negative/],
  ['zero', '0', /at least 1 second/],
  ['non-numeric', 'soon', /not a duration/],
  ['fractional', '1.5m', /whole number/],
  ['overflowing', '99999999999999999999999999', /exceeds the limit of 24h/],
] as const;

const CASES: readonly BadInput[] = [
  // ---- ARNs: malformed, of the wrong service, of another partition, of another cluster ----
  {
    name: 'a malformed role ARN (a colon short) as TASK_ROLE',
    args: ['--task-role', `arn:aws:iam:${ACCOUNT}:role/x`],
    field: 'TASK_ROLE',
    value: `arn:aws:iam:${ACCOUNT}:role/x`,
  },
  {
    name: 'a role name instead of an ARN as TASK_ROLE',
    env: { TASK_ROLE: 'orders-chaos-role' },
    field: 'TASK_ROLE',
    value: 'orders-chaos-role',
    says: /not an ARN/,
  },
  {
    name: 'an S3 ARN as TASK_ROLE',
    args: ['--task-role', 'arn:aws:s3:::demo-orders-bucket'],
    field: 'TASK_ROLE',
    value: 'arn:aws:s3:::demo-orders-bucket',
    says: /service 's3'/,
  },
  {
    name: 'a user ARN as TASK_ROLE',
    args: ['--task-role', `arn:aws:iam::${ACCOUNT}:user/bob`],
    field: 'TASK_ROLE',
    value: `arn:aws:iam::${ACCOUNT}:user/bob`,
    says: /not a role/,
  },
  {
    name: 'a role ARN with an 11-digit account as TASK_ROLE',
    args: ['--task-role', 'arn:aws:iam::12345678901:role/x'],
    field: 'TASK_ROLE',
    value: 'arn:aws:iam::12345678901:role/x',
    says: /12-digit/,
  },
  {
    name: 'a role ARN with an invalid role name as TASK_ROLE',
    args: ['--task-role', `arn:aws:iam::${ACCOUNT}:role/bad*name`],
    field: 'TASK_ROLE',
    value: `arn:aws:iam::${ACCOUNT}:role/bad*name`,
  },
  {
    name: 'a TASK_ROLE of partition aws-cn in us-east-1',
    env: { TASK_ROLE: `arn:aws-cn:iam::${ACCOUNT}:role/x` },
    field: 'TASK_ROLE',
    value: `arn:aws-cn:iam::${ACCOUNT}:role/x`,
    says: /partition 'aws-cn'/,
  },
  {
    name: 'a TASK_ROLE of partition aws-us-gov in us-east-1',
    args: ['--task-role', `arn:aws-us-gov:iam::${ACCOUNT}:role/x`],
    field: 'TASK_ROLE',
    value: `arn:aws-us-gov:iam::${ACCOUNT}:role/x`,
    says: /partition 'aws-us-gov'/,
  },
  {
    name: 'a TASK_ROLE of a partition that does not exist',
    args: ['--task-role', `arn:aws-mars:iam::${ACCOUNT}:role/x`],
    field: 'TASK_ROLE',
    value: `arn:aws-mars:iam::${ACCOUNT}:role/x`,
    says: /not an AWS partition/,
  },
  {
    name: 'an STS session ARN as ASSUME_ROLE_ARN',
    env: { ASSUME_ROLE_ARN: `arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/s` },
    field: 'ASSUME_ROLE_ARN',
    value: `arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/s`,
  },
  {
    name: 'an ASSUME_ROLE_ARN of partition aws-cn in us-east-1',
    args: ['--assume-role-arn', `arn:aws-cn:iam::${ACCOUNT}:role/chaos-runner`],
    field: 'ASSUME_ROLE_ARN',
    value: `arn:aws-cn:iam::${ACCOUNT}:role/chaos-runner`,
    says: /partition/,
  },
  {
    name: 'a service ARN of another cluster than --cluster',
    args: ['--cluster', 'demo', '--service', SERVICE_ARN('other')],
    field: 'SERVICE_NAME',
    value: SERVICE_ARN('other'),
    says: /service of cluster 'other', but CLUSTER_NAME is 'demo'/,
  },
  {
    name: 'a service ARN of another region',
    args: ['--service', SERVICE_ARN('demo', 'eu-west-1')],
    field: 'SERVICE_NAME',
    value: SERVICE_ARN('demo', 'eu-west-1'),
    says: /region 'eu-west-1'/,
  },
  {
    name: 'a service ARN of partition aws-cn',
    env: { SERVICE_NAME: SERVICE_ARN('demo', 'us-east-1', 'aws-cn') },
    field: 'SERVICE_NAME',
    value: SERVICE_ARN('demo', 'us-east-1', 'aws-cn'),
    says: /partition 'aws-cn'/,
  },
  {
    name: 'a role ARN as SERVICE_NAME',
    args: ['--service', `arn:aws:iam::${ACCOUNT}:role/orders`],
    field: 'SERVICE_NAME',
    value: `arn:aws:iam::${ACCOUNT}:role/orders`,
    says: /service 'iam'/,
  },
  {
    name: 'a task definition ARN as SERVICE_NAME',
    args: ['--service', `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`],
    field: 'SERVICE_NAME',
    value: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`,
    says: /not an ECS service ARN/,
  },
  {
    name: 'a service ARN as CLUSTER_NAME',
    args: ['--cluster', SERVICE_ARN('demo')],
    field: 'CLUSTER_NAME',
    value: SERVICE_ARN('demo'),
    says: /not an ECS cluster ARN/,
  },
  {
    name: 'a truncated cluster ARN',
    args: ['--cluster', 'arn:aws:ecs'],
    field: 'CLUSTER_NAME',
    value: 'arn:aws:ecs',
    says: /not a valid ARN/,
  },
  {
    name: 'a cluster ARN with a non-numeric account',
    env: { CLUSTER_NAME: 'arn:aws:ecs:us-east-1:abc:cluster/demo' },
    field: 'CLUSTER_NAME',
    value: 'arn:aws:ecs:us-east-1:abc:cluster/demo',
    says: /12-digit/,
  },

  // ---- durations: each flag, each kind of wrong ----
  ...DURATION_FIELDS.flatMap(([flag, field]) =>
    BAD_DURATIONS.filter(([kind]) => !(kind === 'zero' && field === 'RAMP_TIME')).map(
      ([kind, value, says]): BadInput => ({
        name: `a ${kind} ${flag} (${value.length > 12 ? `${value.slice(0, 12)}...` : value})`,
        args: [`${flag}=${value}`],
        field,
        value,
        says,
      }),
    ),
  ),
  {
    name: 'TOTAL_CHAOS_DURATION=soon',
    env: { TOTAL_CHAOS_DURATION: 'soon' },
    field: 'TOTAL_CHAOS_DURATION',
    value: 'soon',
  },
  {
    name: 'an empty TOTAL_CHAOS_DURATION',
    env: { TOTAL_CHAOS_DURATION: '' },
    field: 'TOTAL_CHAOS_DURATION',
    value: '',
    says: /empty/,
  },
  { name: 'CHAOS_INTERVAL in days', env: { CHAOS_INTERVAL: '2d' }, field: 'CHAOS_INTERVAL', value: '2d' },
  { name: 'RAMP_TIME=-1', env: { RAMP_TIME: '-1' }, field: 'RAMP_TIME', value: '-1', says: /negative/ },
  { name: 'ROLLOUT_TIMEOUT=25h', env: { ROLLOUT_TIMEOUT: '25h' }, field: 'ROLLOUT_TIMEOUT', value: '25h', says: /24h/ },

  // ---- percent outside 1..100 ----
  ...['0', '101', '-5', 'half', '50.5', '50%'].map((value): BadInput => ({
    name: `--affected-percent ${value}`,
    args: [`--affected-percent=${value}`],
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value,
  })),
  {
    name: 'TASK_REPLICA_AFFECTED_PERC=0',
    env: { TASK_REPLICA_AFFECTED_PERC: '0' },
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value: '0',
    says: /outside 1\.\.100/,
  },

  // ---- names ----
  { name: 'an empty --cluster', args: ['--cluster', ''], field: 'CLUSTER_NAME', value: '', says: /empty/ },
  { name: 'an empty SERVICE_NAME', env: { SERVICE_NAME: '' }, field: 'SERVICE_NAME', value: '', says: /empty/ },
  { name: 'a blank --service', args: ['--service', '   '], field: 'SERVICE_NAME', value: '   ', says: /empty/ },
  {
    name: 'a cluster name with a space',
    args: ['--cluster', 'my cluster'],
    field: 'CLUSTER_NAME',
    value: 'my cluster',
  },
  {
    name: 'a cluster name of 256 characters',
    args: ['--cluster', 'c'.repeat(256)],
    field: 'CLUSTER_NAME',
    value: 'c'.repeat(256),
  },
  {
    name: 'a service name with a slash',
    args: ['--service', 'demo/orders'],
    field: 'SERVICE_NAME',
    value: 'demo/orders',
  },

  // ---- regions ----
  { name: 'REGION=mars', env: { REGION: 'mars' }, field: 'REGION', value: 'mars', says: /not an AWS region/ },
  { name: '--region US-EAST-1', args: ['--region', 'US-EAST-1'], field: 'REGION', value: 'US-EAST-1' },
  { name: '--region us-east (no number)', args: ['--region', 'us-east'], field: 'REGION', value: 'us-east' },
  { name: 'an empty --region', args: ['--region', ''], field: 'REGION', value: '', says: /empty/ },
  {
    name: 'AWS_REGION=mars as the only region',
    env: { REGION: undefined, AWS_REGION: 'mars' },
    field: 'REGION',
    value: 'mars',
    says: /from env AWS_REGION/,
  },

  // ---- command line: unknown flags, commands, faults ----
  {
    name: 'an unknown flag',
    args: ['--bogus'],
    by: 'commander',
    field: '--bogus',
    shows: "unknown option '--bogus'",
  },
  {
    name: 'a misspelt flag',
    args: ['--durations', '5'],
    by: 'commander',
    field: '--durations',
    shows: "unknown option '--durations'",
    says: /Did you mean --duration\?/,
  },
  {
    name: 'a seed env var name as a flag',
    args: ['--cluster-name', 'demo'],
    by: 'commander',
    field: '--cluster-name',
    shows: "unknown option '--cluster-name'",
  },
  {
    name: 'a flag without its value',
    argv: ['run', 'update-task-role', '--cluster'],
    by: 'commander',
    field: '--cluster',
    shows: "option '--cluster <name>' argument missing",
  },
  {
    name: '--log-format xml',
    args: ['--log-format', 'xml'],
    by: 'commander',
    field: '--log-format',
    shows: "argument 'xml' is invalid",
  },
  {
    name: 'an unknown command',
    argv: ['frobnicate'],
    by: 'commander',
    field: 'frobnicate',
    shows: "unknown command 'frobnicate'",
  },
  {
    name: 'a misspelt command',
    argv: ['runn', 'update-task-role'],
    by: 'commander',
    field: 'runn',
    shows: "unknown command 'runn'",
    says: /Did you mean run\?/,
  },
  {
    name: 'run without a fault',
    argv: ['run'],
    by: 'commander',
    field: 'fault',
    shows: "missing required argument 'fault'",
  },
  {
    name: 'an unknown fault (run update-exec-role)',
    argv: ['run', 'update-exec-role'],
    field: 'fault',
    value: 'update-exec-role',
    says: /known faults: update-task-role/,
  },

  // ---- conflicting sources ----
  {
    name: 'a SERVICE_NAME ARN whose cluster differs from CLUSTER_NAME',
    env: { SERVICE_NAME: SERVICE_ARN('prod') },
    field: 'SERVICE_NAME',
    value: SERVICE_ARN('prod'),
    says: /cluster 'prod', but CLUSTER_NAME is 'demo' \(from env CLUSTER_NAME\)/,
  },
  {
    name: 'ASSUME_ROLE_ARN equal to TASK_ROLE',
    env: { ASSUME_ROLE_ARN: CHAOS_ROLE },
    field: 'ASSUME_ROLE_ARN',
    value: CHAOS_ROLE,
    says: /is the chaos task role TASK_ROLE/,
  },

  // ---- credentials files ----
  {
    name: 'a credentials file that does not exist',
    env: { AWS_AUTHENTICATION_SECRET: join(dir, 'no-such-credentials') },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: join(dir, 'no-such-credentials'),
    says: /does not exist/,
  },
  {
    name: 'an unreadable credentials file (a directory)',
    args: ['--auth-secret-file', FILES.credsDirectory],
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsDirectory,
    says: /is a directory/,
  },
  ...(RUNNING_AS_ROOT
    ? []
    : [
        {
          name: 'an unreadable credentials file (chmod 000)',
          env: { AWS_AUTHENTICATION_SECRET: FILES.credsNoPermission },
          field: 'AWS_AUTHENTICATION_SECRET',
          value: FILES.credsNoPermission,
          says: /permission denied/,
        },
      ]),
  {
    name: 'a malformed credentials file',
    env: { AWS_AUTHENTICATION_SECRET: FILES.credsMalformed },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsMalformed,
    says: /malformed: line 2/,
  },
  {
    name: 'a credentials file with keys before any header',
    env: { AWS_AUTHENTICATION_SECRET: FILES.credsHeaderless },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsHeaderless,
    says: /before any \[profile\] header/,
    hides: 'aws_secret_access_key = test',
  },
  {
    name: 'a credentials file without the profile',
    env: { AWS_AUTHENTICATION_SECRET: FILES.credsDefaultOnly, AWS_PROFILE: 'prod' },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsDefaultOnly,
    says: /no profile 'prod' \(profiles found: default\)/,
  },
  {
    name: 'an empty credentials file',
    args: ['--auth-secret-file', FILES.credsEmpty],
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsEmpty,
    says: /no profiles found/,
  },
  {
    name: 'a credentials profile without a secret',
    env: { AWS_AUTHENTICATION_SECRET: FILES.credsNoSecret },
    field: 'AWS_AUTHENTICATION_SECRET',
    value: FILES.credsNoSecret,
    says: /no aws_secret_access_key \(aws_access_key_id \.\.\.0001\)/,
    hides: 'AKIAEXAMPLE000000001',
  },

  // ---- experiment files ----
  {
    // The parser notices the unclosed list on the next line; the reason names the missing ].
    name: 'malformed YAML (an unclosed list), with its line',
    noBase: true,
    args: ['-f', FILES.yamlUnclosed],
    field: '--file',
    value: 'interval: 1',
    says: /unclosed\.yaml line 5\): is not valid YAML or JSON: .*end with a \]/,
  },
  {
    name: 'malformed YAML (a bad indent), with its line',
    noBase: true,
    args: ['--file', FILES.yamlBadIndent],
    field: '--file',
    value: 'cluster: demo',
    says: /bad-indent\.yaml line 1\): is not valid YAML or JSON: Nested mappings/,
  },
  {
    name: 'malformed YAML (an unclosed quote)',
    noBase: true,
    args: ['--file', FILES.yamlUnclosedQuote],
    field: '--file',
    says: /not valid YAML or JSON: Missing closing "quote/,
  },
  {
    name: 'a JSON file with a missing comma',
    noBase: true,
    args: ['-f', FILES.jsonMissingComma],
    field: '--file',
    value: '"service": "orders"',
    says: /line 3/,
  },
  {
    name: 'a JSON file with an unclosed brace',
    noBase: true,
    args: ['-f', FILES.jsonUnclosed],
    field: '--file',
    says: /not valid YAML or JSON/,
  },
  {
    name: 'an experiment file that does not exist',
    args: ['-f', join(dir, 'nope.yaml')],
    field: '--file',
    value: join(dir, 'nope.yaml'),
    says: /does not exist/,
  },
  {
    name: 'an experiment file that is a list',
    noBase: true,
    args: ['-f', FILES.fileList],
    field: '--file',
    value: [{ cluster: 'demo' }, { service: 'orders' }],
    says: /not a list/,
  },
  {
    name: 'an empty experiment file',
    noBase: true,
    args: ['-f', FILES.fileEmpty],
    field: '--file',
    value: '',
    says: /empty/,
  },
  {
    name: 'duration: [1] in the experiment file',
    noBase: true,
    args: ['-f', FILES.durationList],
    field: 'TOTAL_CHAOS_DURATION',
    value: [1],
    says: /duration-list\.yaml line 4\): must be seconds or a duration text, not a list/,
  },
  {
    name: 'cluster: 42 in the experiment file',
    noBase: true,
    args: ['-f', FILES.clusterNumber],
    field: 'CLUSTER_NAME',
    value: 42,
    says: /not a number \(quote it\)/,
  },
  {
    name: 'service as a mapping in a JSON experiment file',
    noBase: true,
    args: ['-f', FILES.serviceMapping],
    field: 'SERVICE_NAME',
    value: { name: 'orders' },
    says: /not a mapping/,
  },
  {
    name: 'affectedPercent: true in the experiment file',
    noBase: true,
    args: ['-f', FILES.percentBoolean],
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value: true,
  },
  {
    name: 'TASK_REPLICA_AFFECTED_PERC: 150 in the experiment file',
    noBase: true,
    args: ['-f', FILES.percentFile],
    field: 'TASK_REPLICA_AFFECTED_PERC',
    value: 150,
    says: /outside 1\.\.100/,
  },
  {
    name: 'force: "yes" in the experiment file',
    noBase: true,
    args: ['-f', FILES.forceText],
    field: '--force',
    value: 'yes',
  },
  {
    name: 'taskRole: 5 in the experiment file',
    noBase: true,
    args: ['-f', FILES.taskRoleNumber],
    field: 'TASK_ROLE',
    value: 5,
  },
  {
    name: 'a negative duration in a JSON experiment file',
    noBase: true,
    args: ['-f', FILES.durationNegative],
    field: 'TOTAL_CHAOS_DURATION',
    value: -30,
    says: /negative/,
  },
  {
    name: 'a misspelt key in the experiment file',
    noBase: true,
    args: ['-f', FILES.unknownKeyTypo],
    field: 'clustr',
    value: 'demo',
    says: /did you mean 'cluster'\?/,
  },
  {
    name: 'an unknown key in the experiment file',
    noBase: true,
    args: ['-f', FILES.unknownKey],
    field: 'colour',
    value: 'blue',
    says: /not a key of an experiment file/,
  },
  {
    name: 'an unknown key under target',
    noBase: true,
    args: ['-f', FILES.unknownTargetKey],
    field: 'servce',
    value: 'orders',
    says: /not a key of target; did you mean 'service'\?/,
  },
  {
    name: 'an unknown fault in the experiment file, under run update-task-role',
    noBase: true,
    args: ['-f', FILES.unknownFault],
    field: 'fault',
    value: 'update-exec-role',
    says: /unknown-fault\.yaml line 1\): is not a fault ecs-chaos knows/,
  },
  {
    name: 'an unknown fault in the experiment file, under plan',
    noBase: true,
    argv: ['plan', '-f', FILES.unknownFault],
    field: 'fault',
    value: 'update-exec-role',
  },
  {
    name: 'a fault of the wrong type in the experiment file',
    noBase: true,
    args: ['-f', FILES.faultList],
    field: 'fault',
    value: ['update-task-role'],
  },
  {
    name: 'a field given twice in the experiment file',
    noBase: true,
    args: ['-f', FILES.fileDuplicate],
    field: 'CLUSTER_NAME',
    value: 'other',
    says: /given twice/,
  },
  {
    name: 'a missing required field (no cluster)',
    noBase: true,
    args: ['-f', FILES.noCluster],
    field: 'CLUSTER_NAME',
    value: undefined,
    says: /is required/,
  },
  {
    name: 'no cluster from any source',
    env: { CLUSTER_NAME: undefined },
    field: 'CLUSTER_NAME',
    value: undefined,
    says: /is required.*Fix: .*--cluster prod/,
  },
  {
    // Leaving the task role out must never remove it (the most destructive form of the fault).
    name: 'no task role from any source',
    env: { TASK_ROLE: undefined },
    field: 'TASK_ROLE',
    value: undefined,
    says: /is required.*Fix: .*--task-role ''.*TASK_ROLE=arn:aws:iam/,
  },

  // ---- endpoint, output, result file, required tag ----
  {
    name: 'an --endpoint-url that is not a URL',
    args: ['--endpoint-url', 'not a url'],
    field: 'AWS_ENDPOINT_URL',
    value: 'not a url',
  },
  {
    name: 'an AWS_ENDPOINT_URL with an ftp scheme',
    env: { AWS_ENDPOINT_URL: 'ftp://127.0.0.1:4599' },
    field: 'AWS_ENDPOINT_URL',
    value: 'ftp://127.0.0.1:4599',
    says: /only http and https/,
  },
  {
    name: 'an --endpoint-url with a password (shown redacted)',
    args: ['--endpoint-url', 'http://admin:hunter2secret@127.0.0.1:4599'],
    field: 'AWS_ENDPOINT_URL',
    value: 'http://***@127.0.0.1:4599/',
    hides: 'hunter2secret',
  },
  { name: '--output xml', args: ['--output', 'xml'], field: '--output', value: 'xml', says: /not one of text, json/ },
  {
    name: 'a --result-file in a missing folder',
    args: ['--result-file', join(dir, 'missing-folder', 'result.json')],
    field: '--result-file',
    value: join(dir, 'missing-folder', 'result.json'),
    says: /does not exist/,
  },
  {
    name: 'a --result-file that is a directory',
    args: ['--result-file', dir],
    field: '--result-file',
    value: dir,
    says: /is a directory/,
  },
  {
    name: 'a --require-tag without =',
    args: ['--require-tag', 'chaos-allowed'],
    field: 'CHAOS_REQUIRE_TAG',
    value: 'chaos-allowed',
    says: /no '='/,
  },
  {
    name: 'a CHAOS_REQUIRE_TAG with a comma',
    env: { CHAOS_REQUIRE_TAG: 'app=orders,billing' },
    field: 'CHAOS_REQUIRE_TAG',
    value: 'app=orders,billing',
    says: /"," in its value/,
  },
  {
    name: 'a --require-tag with an empty key',
    args: ['--require-tag', '=true'],
    field: 'CHAOS_REQUIRE_TAG',
    value: '=true',
    says: /empty key/,
  },
];

/** The access key of case `index`: each case runs as its own IAM user, so its calls are its own. */
const caseKey = (index: number): { accessKeyId: string; secretAccessKey: string; user: string } => ({
  accessKeyId: `AKIABADINPUT${String(index).padStart(8, '0')}`,
  secretAccessKey: `bad-input-secret-${index}`,
  user: `bad-input-${index}`,
});

describe('bad input: the built program exits 2, names the field, the value and the fix, and calls no AWS', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  let firstSeq = 0;
  let passed = 0;

  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    // No seed env var of the machine leaks in; the run authenticates to the sandbox.
    const blank = Object.fromEntries(
      FIELD_LIST.flatMap((f) => [f.env, ...(f.envFallbacks ?? [])]).map((name) => [name, undefined]),
    );
    env = {
      ...blank,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: undefined,
      AWS_ENDPOINT_URL: ctx.sandbox.endpoint,
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      ECS_CHAOS_POLL_INTERVAL_MS: '50',
    };
    // Each case its own administrator: the cases run four at a time, and the request log tells
    // their calls apart by caller.
    const { iam } = ctx.sandbox.world;
    for (const [index] of CASES.entries()) {
      const { user, accessKeyId, secretAccessKey } = caseKey(index);
      iam.createUser(user);
      iam.attachUserPolicy(user, 'arn:aws:iam::aws:policy/AdministratorAccess');
      iam.createAccessKey(user, { accessKeyId, secretAccessKey });
    }
    firstSeq = ctx.sandbox.requests().at(-1)?.seq ?? 0;
  });
  after(async () => {
    try {
      // Calls no case could be charged with (e.g. unsigned ones) count too.
      assert.deepEqual(
        ctx.sandbox.requests(firstSeq).map((r) => `${r.service}:${r.action}`),
        [],
        'the bad-input table made AWS calls',
      );
      console.log(
        passed === CASES.length
          ? `bad-input cases: ${CASES.length}, all exit 2 with no mutation`
          : `bad-input cases: ${CASES.length}, only ${passed} exit 2 with no mutation`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await ctx.sandbox.close();
    }
  });

  test('the table holds at least 60 cases', () => {
    assert.ok(CASES.length >= 60, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique');
  });

  describe('each case', { concurrency: 4 }, () => {
    for (const [index, c] of CASES.entries()) {
      test(`refuses ${c.name}`, async () => {
        // Prepare
        const argv = [...(c.argv ?? ['run', 'update-task-role']), ...(c.args ?? [])];
        const key = caseKey(index);
        const caseEnv = {
          ...env,
          AWS_ACCESS_KEY_ID: key.accessKeyId,
          AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
          // Cases about a file still get the required task role, from the env (a file's own wins below it).
          ...(c.noBase ? (c.field === 'TASK_ROLE' ? {} : { TASK_ROLE: CHAOS_ROLE }) : BASE_ENV),
          ...c.env,
        };
        const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
        // Act
        const run = await runCli(argv, { env: caseEnv, timeoutMs: 20_000 });
        // Assess
        const { stderr } = run;
        const caller = `arn:aws:iam::${ACCOUNT}:user/${key.user}`;
        const calls = ctx.sandbox.requests(since).filter((r) => r.principal === caller);
        assert.equal(run.code, 2, `exit ${run.code}\nstderr: ${stderr}\nstdout: ${run.stdout}`);
        if ((c.by ?? 'ours') === 'ours') {
          assert.ok(stderr.includes(`ecs-chaos: ${c.field} (from `), `stderr does not name ${c.field}: ${stderr}`);
          if ('value' in c) {
            const shown = c.value === undefined ? 'got undefined' : `got ${JSON.stringify(c.value)}`;
            assert.ok(stderr.includes(shown), `stderr does not show the value (${shown}): ${stderr}`);
          }
          assert.match(stderr, /Fix: \S/, 'stderr has no fix');
          assert.match(stderr, /nothing was changed\./);
        } else {
          assert.ok(stderr.includes(c.field), `stderr does not name ${c.field}: ${stderr}`);
          assert.ok(stderr.includes(c.shows!), `stderr does not show ${c.shows}: ${stderr}`);
          assert.match(stderr, USAGE_HINT, 'stderr has no usage hint');
        }
        if (c.says) assert.match(stderr, c.says);
        if (c.hides) assert.ok(!`${stderr}${run.stdout}`.includes(c.hides), `the output shows ${c.hides}`);
        assert.equal(run.stdout, '', 'nothing on stdout');
        assert.deepEqual(
          calls.filter((r) => r.mutating).map((r) => r.action),
          [],
          'mutating calls',
        );
        assert.deepEqual(
          calls.map((r) => r.action),
          [],
          'a pure input error calls no AWS at all',
        );
        passed++;
      });
    }
  });
});
