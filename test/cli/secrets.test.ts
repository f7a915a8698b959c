/**
 * Secrets never leave the process: canary secret keys, session tokens and web identity tokens go
 * through every authentication path of the built program, on runs that pass and runs that fail, and
 * none of them shows up in stdout, stderr (the logs, text or JSON lines) or the result file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIELD_LIST } from '../../src/config/fields.js';
import { runCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const ACCOUNT = '123456789012';
const CHAOS_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-chaos-role`;
const RUNNER_ROLE = `arn:aws:iam::${ACCOUNT}:role/chaos-runner`;
const IRSA_ROLE = `arn:aws:iam::${ACCOUNT}:role/chaos-runner-irsa`;
const IRSA_SUBJECT = 'system:serviceaccount:chaos:ecs-chaos';

/** The access key id is not a secret (messages may show its last four characters); it holds no canary. */
const ACCESS_KEY_ID = 'AKIASECRETSTEST00001';
/** The canary user's real secret access key: 40 characters, as AWS issues them. */
const CANARY = 'CANARYsecret0000000000000000000000000001';
/** A wrong secret for the same key: refused by AWS, and just as secret. */
const WRONG_CANARY = 'CANARYwrongSecret00000000000000000000002';
/** A session token that comes with a key. */
const TOKEN_CANARY = `CANARYsessionToken${'0123456789abcdefghij'.repeat(8)}`;

/** Where the canaries could show up after one run. */
interface Outputs {
  readonly stdout: string;
  readonly stderr: string;
  /** The result file's text, or `undefined` when the run wrote none. */
  readonly resultFile: string | undefined;
}

/**
 * The places `secret`, or any 12 characters of it in a row, appear in the outputs: a whole secret,
 * a truncated one or a suffix are all leaks.
 */
function leaks(outputs: Outputs, secret: string): string[] {
  const windows = new Set<string>();
  for (let i = 0; i + 12 <= secret.length; i++) windows.add(secret.slice(i, i + 12));
  const places: string[] = [];
  for (const [where, text] of Object.entries(outputs) as [string, string | undefined][]) {
    if (text === undefined) continue;
    if (text.includes(secret) || [...windows].some((w) => text.includes(w))) places.push(where);
  }
  return places;
}

/** One authentication path, run once with text logs and once with JSON lines and a JSON result. */
interface AuthPath {
  readonly name: string;
  /** The auth env vars of the run (on top of a blank slate). */
  readonly env: () => Record<string, string>;
  /** Flags for the path (e.g. --auth-secret-file). */
  readonly args?: () => string[];
  readonly outcome: 'pass' | 'fail';
  /** What must not appear, besides every canary. */
  readonly alsoSecret?: () => string[];
  /** What stderr must say on failure: the authentication path that failed. */
  readonly failureSays?: RegExp;
}

describe('secrets never appear in the output of the built program', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let blank: NodeJS.ProcessEnv;
  let goodToken = '';
  let otherToken = '';
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-secrets-'));
    const { iam } = ctx.sandbox.world;
    iam.createUser('canary');
    iam.attachUserPolicy('canary', 'arn:aws:iam::aws:policy/AdministratorAccess');
    iam.createAccessKey('canary', { accessKeyId: ACCESS_KEY_ID, secretAccessKey: CANARY });
    goodToken = ctx.sandbox.issueWebIdentityToken({ sub: IRSA_SUBJECT });
    otherToken = ctx.sandbox.issueWebIdentityToken({ sub: 'system:serviceaccount:default:intruder' });
    // Nothing of the machine's configuration takes part: no seed env var, no credentials, no shared files.
    blank = {
      ...Object.fromEntries(
        FIELD_LIST.flatMap((f) => [f.env, ...(f.envFallbacks ?? [])]).map((name) => [name, undefined]),
      ),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_ROLE_ARN: undefined,
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-shared-credentials'),
      AWS_CONFIG_FILE: join(dir, 'no-shared-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: ctx.sandbox.endpoint,
      ECS_CHAOS_POLL_INTERVAL_MS: '50',
    };
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  const envKeys =
    (secret: string, extra: Record<string, string> = {}) =>
    () => ({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: secret,
      ...extra,
    });
  const credentialsFile = (name: string, secret: string) => () => [
    '--auth-secret-file',
    file(name, `[default]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${secret}\n`),
  ];
  const webIdentity = (name: string, token: () => string) => () => ({
    AWS_WEB_IDENTITY_TOKEN_FILE: file(name, token()),
    AWS_ROLE_ARN: IRSA_ROLE,
  });

  const PATHS: readonly AuthPath[] = [
    { name: '(a) AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', env: envKeys(CANARY), outcome: 'pass' },
    {
      name: '(b) AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY with a wrong secret',
      env: envKeys(WRONG_CANARY),
      outcome: 'fail',
      failureSays: /InvalidSignatureException: .*Fix: /,
    },
    {
      name: '(c) a credentials file (AWS_AUTHENTICATION_SECRET)',
      env: () => ({}),
      args: credentialsFile('credentials-good', CANARY),
      outcome: 'pass',
    },
    {
      name: '(c) a credentials file with a wrong secret',
      env: () => ({}),
      args: credentialsFile('credentials-wrong', WRONG_CANARY),
      outcome: 'fail',
      failureSays: /InvalidSignatureException: .*Fix: /,
    },
    {
      name: '(c) a credentials file given by env AWS_AUTHENTICATION_SECRET',
      env: () => ({
        AWS_AUTHENTICATION_SECRET: file(
          'credentials-env',
          `[default]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${CANARY}\n`,
        ),
      }),
      outcome: 'pass',
    },
    {
      name: '(d) a session token with a wrong key',
      env: envKeys(WRONG_CANARY, { AWS_SESSION_TOKEN: TOKEN_CANARY }),
      outcome: 'fail',
      failureSays: /InvalidSignatureException: .*Fix: /,
    },
    {
      name: '(d) a session token in a credentials file with a wrong key',
      env: () => ({}),
      args: () => [
        '--auth-secret-file',
        file(
          'credentials-token',
          `[default]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${WRONG_CANARY}\naws_session_token = ${TOKEN_CANARY}\n`,
        ),
      ],
      outcome: 'fail',
    },
    {
      name: '(e) ASSUME_ROLE_ARN on top of env keys',
      env: envKeys(CANARY, { ASSUME_ROLE_ARN: RUNNER_ROLE }),
      outcome: 'pass',
    },
    {
      name: '(e) ASSUME_ROLE_ARN on top of env keys with a wrong secret',
      env: envKeys(WRONG_CANARY, { ASSUME_ROLE_ARN: RUNNER_ROLE }),
      outcome: 'fail',
      failureSays: /assuming role arn:aws:iam::123456789012:role\/chaos-runner/,
    },
    {
      name: '(f) web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN)',
      env: webIdentity('token-good', () => goodToken),
      outcome: 'pass',
      alsoSecret: () => [goodToken, goodToken.split('.')[2]!],
    },
    {
      name: '(f) web identity with a token for another subject',
      env: webIdentity('token-other', () => otherToken),
      outcome: 'fail',
      alsoSecret: () => [otherToken, otherToken.split('.')[2]!],
      failureSays: /web identity token .* for role arn:aws:iam::123456789012:role\/chaos-runner-irsa/,
    },
  ];

  let runs = 0;
  for (const path of PATHS) {
    for (const format of ['text', 'json'] as const) {
      test(`${path.name} ${path.outcome === 'pass' ? 'passes' : 'fails'} and leaks nothing (--log-format ${format})`, async () => {
        // Prepare
        if (path.outcome === 'pass') await waitSteady(ctx.ecs, 'demo', 'orders');
        const resultPath = join(dir, `result-${runs++}.json`);
        const args = [
          'run',
          'update-task-role',
          '--cluster',
          'demo',
          '--service',
          'orders',
          '--region',
          'us-east-1',
          '--task-role',
          CHAOS_ROLE,
          '--duration',
          '1',
          '--interval',
          '1',
          '--result-file',
          resultPath,
          '--log-format',
          format,
          ...(format === 'json' ? ['--output', 'json'] : []),
          ...(path.args?.() ?? []),
        ];
        // Act
        const run = await runCli(args, { env: { ...blank, ...path.env() }, timeoutMs: 30_000 });
        // Assess
        const outputs: Outputs = {
          stdout: run.stdout,
          stderr: run.stderr,
          resultFile: existsSync(resultPath) ? readFileSync(resultPath, 'utf8') : undefined,
        };
        const detail = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
        if (path.outcome === 'pass') {
          assert.equal(run.code, 0, detail);
          assert.ok(outputs.resultFile !== undefined, 'the result file was written');
          assert.equal((JSON.parse(outputs.resultFile) as { verdict: string }).verdict, 'Pass');
        } else {
          assert.equal(run.code, 2, detail);
          // The last word: nothing is retried or logged once the run has ended.
          assert.match(run.stderr, /nothing was changed\.\n$/);
          if (path.failureSays) assert.match(run.stderr, path.failureSays);
        }
        for (const secret of [CANARY, WRONG_CANARY, TOKEN_CANARY, ...(path.alsoSecret?.() ?? [])]) {
          assert.deepEqual(leaks(outputs, secret), [], `${secret.slice(0, 12)}... leaked\n${detail}`);
        }
        // No fragment of any canary at all, however cut.
        for (const [where, text] of Object.entries(outputs) as [string, string | undefined][])
          assert.ok(!text?.includes('CANARY'), `a canary shows in ${where}`);
      });
    }
  }
});
