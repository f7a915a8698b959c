/**
 * deploy/: the Kubernetes manifests, the ECS task definition and the GitHub Actions workflow are
 * valid for their platforms and run ecs-chaos as their comments say.
 *
 * - Kubernetes: every document validates against the Kubernetes v1.33 OpenAPI schemas of
 *   kubernetes-models (types, formats, enums, required fields), and type-checks against its
 *   TypeScript interfaces, whose excess-property check refuses fields the API does not know (the
 *   schemas alone allow them, as `kubectl apply --validate=strict` would not).
 * - ECS: the task definition validates against botocore's model of RegisterTaskDefinition
 *   (python3 and botocore, as on the CI image) and registers on the sandbox, which applies ECS's
 *   rules (Fargate sizes, awslogs needs an execution role...).
 * - GitHub Actions: the workflow parses with GitHub's own workflow parser (@actions/workflow-parser),
 *   and its shell steps run under bash as the runner runs them, with stub programs.
 * - The env vars, args and time budgets of each runs the built CLI against the sandbox.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DeregisterTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UntagResourceCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import ts from 'typescript';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseRoleArn } from '../../src/aws/arn.js';
import { parseDuration } from '../../src/config/duration.js';
import { iterationHolds } from '../../src/engine/plan.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runCli, sandboxEnv } from '../support/cli.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const DEMO = {
  CLUSTER_NAME: 'demo',
  SERVICE_NAME: 'orders',
  REGION: 'us-east-1',
  TASK_ROLE: 'arn:aws:iam::123456789012:role/orders-chaos-role',
};
/** The original fault's tunables: every run manifest sets them. */
const SEED_VARS = [
  'CLUSTER_NAME',
  'SERVICE_NAME',
  'REGION',
  'TASK_ROLE',
  'TASK_REPLICA_AFFECTED_PERC',
  'TOTAL_CHAOS_DURATION',
  'CHAOS_INTERVAL',
  'RAMP_TIME',
];

/** A document of deploy/kubernetes/, typed as kubernetes-models declares it (validated below). */
type Manifest = IJob | ICronJob | IServiceAccount;
type Workload = IJob | ICronJob;

/** A step of a GitHub Actions job, as far as the tests read it. */
interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string>;
}

/** A GitHub Actions workflow, as far as the tests read it. */
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions: Record<string, string>;
  readonly concurrency: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly env: Record<string, string>;
  readonly jobs: Record<string, { readonly 'timeout-minutes': number; readonly steps: Step[] }>;
}

/** Every YAML document of deploy/kubernetes/, with its file; a YAML error fails the test. */
function kubernetesDocuments(): { file: string; doc: Manifest }[] {
  const dir = join(DEPLOY, 'kubernetes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document) => {
        assert.deepEqual(
          [...document.errors, ...document.warnings].map((e) => e.message),
          [],
          `${file} parses as YAML`,
        );
        return { file, doc: document.toJS() as Manifest };
      }),
    );
}

const MODELS = {
  'batch/v1/Job': { model: Job, type: 'IJob', module: 'kubernetes-models/batch/v1/Job' },
  'batch/v1/CronJob': { model: CronJob, type: 'ICronJob', module: 'kubernetes-models/batch/v1/CronJob' },
  'v1/ServiceAccount': {
    model: ServiceAccount,
    type: 'IServiceAccount',
    module: 'kubernetes-models/v1/ServiceAccount',
  },
} as const;

function modelOf(doc: Manifest): (typeof MODELS)[keyof typeof MODELS] {
  const key = `${doc.apiVersion}/${doc.kind}`;
  assert.ok(key in MODELS, `a known kind: ${key}`);
  return MODELS[key as keyof typeof MODELS];
}

/** The Job spec of a Job or a CronJob. */
function jobSpec(doc: Workload): IJobSpec {
  return doc.kind === 'CronJob' ? doc.spec!.jobTemplate.spec! : doc.spec!;
}

/** The pod template spec of a Job or a CronJob. */
function podSpec(doc: Workload): IPodSpec {
  return jobSpec(doc).template.spec!;
}

/** The single container of a Job or a CronJob. */
function containerOf(doc: Workload): IContainer {
  const { containers } = podSpec(doc);
  assert.equal(containers.length, 1, 'one container');
  return containers[0]!;
}

/** The env of the single container, as an object. */
function containerEnv(doc: Workload): Record<string, string> {
  return Object.fromEntries((containerOf(doc).env ?? []).map((e) => [e.name, e.value ?? '']));
}

function isWorkload(doc: Manifest): doc is Workload {
  return doc.kind === 'Job' || doc.kind === 'CronJob';
}

/** deploy/ecs/task-definition.json: the input of RegisterTaskDefinition. */
function readTaskDefinition(): RegisterTaskDefinitionCommandInput {
  return JSON.parse(
    readFileSync(join(DEPLOY, 'ecs', 'task-definition.json'), 'utf8'),
  ) as RegisterTaskDefinitionCommandInput;
}

function seconds(env: Record<string, string | undefined>, name: string, fallback: string): number {
  const parsed = parseDuration(env[name] ?? fallback, { minSeconds: 0 });
  assert.ok(parsed.ok, `${name} parses as a duration`);
  return parsed.seconds;
}

/**
 * The longest a run of this configuration may take: the ramps, and per iteration the rollout
 * wait, the hold and the restore wait, each at its bound (defaults as docs/usage.md gives them).
 */
function worstCaseSeconds(env: Record<string, string | undefined>): number {
  const holds = iterationHolds(seconds(env, 'TOTAL_CHAOS_DURATION', '30'), seconds(env, 'CHAOS_INTERVAL', '30'));
  const perIteration = seconds(env, 'ROLLOUT_TIMEOUT', '300') + seconds(env, 'RESTORE_TIMEOUT', '900');
  return 2 * seconds(env, 'RAMP_TIME', '0') + holds.reduce((sum, hold) => sum + hold + perIteration, 0);
}

/**
 * TypeScript's diagnostics for `const x: <interface> = <value>` of each value: an unknown field
 * anywhere in a literal is an error ("Object literal may only specify known properties").
 */
function typeCheck(values: { type: string; module: string; value: unknown; name: string }[]): string[] {
  const file = fileURLToPath(new URL('./__deploy-manifests-check.ts', import.meta.url));
  const source = values
    .map(
      ({ type, module, value, name }, i) =>
        `import type { ${type} as T${i} } from '${module}';\n// ${name}\nexport const v${i}: T${i} = ${JSON.stringify(value, null, 2)};`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === file ? ts.createSourceFile(name, source, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const comment = where
      ? source
          .split('\n')
          .slice(0, where.line)
          .reverse()
          .find((l) => l.startsWith('// '))
      : '';
    return `${comment ?? ''} line ${where ? where.line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('deploy/kubernetes', () => {
  const docs = kubernetesDocuments();
  const workloads = docs.filter((d): d is { file: string; doc: Workload } => isWorkload(d.doc));
  const runs = workloads.filter((d) => d.file !== 'recover-job.yaml');
  const recover = workloads.find((d) => d.file === 'recover-job.yaml')!;
  const job = workloads.find((d) => d.file === 'job.yaml')!.doc as IJob;
  const cron = workloads.find((d) => d.file === 'cronjob.yaml')!.doc as ICronJob;
  const serviceAccount = docs.find((d) => d.doc.kind === 'ServiceAccount')!.doc;

  test('holds a ServiceAccount, a Job and a CronJob of the run, and a recover Job', () => {
    assert.deepEqual(
      docs.map((d) => `${d.file}: ${d.doc.kind}`),
      ['cronjob.yaml: CronJob', 'job.yaml: Job', 'recover-job.yaml: Job', 'serviceaccount.yaml: ServiceAccount'],
    );
  });

  test('every document validates against the Kubernetes schemas', () => {
    for (const { file, doc } of docs) {
      const { model: Model } = modelOf(doc);
      assert.doesNotThrow(() => new Model(doc as never).validate(), `${file} (${doc.kind})`);
    }
  });

  test('no document has a field the Kubernetes API does not know', () => {
    const diagnostics = typeCheck(
      docs.map(({ file, doc }) => ({ ...modelOf(doc), value: doc, name: `${file} (${doc.kind})` })),
    );
    assert.deepEqual(diagnostics, []);
  });

  test('the checks catch a wrong type and an unknown field', () => {
    const wrongType = structuredClone(job) as unknown as { spec: Record<string, unknown> };
    wrongType.spec.backoffLimit = 'none';
    assert.throws(() => new Job(wrongType as never).validate(), /backoffLimit must be integer/);
    const typo = structuredClone(job);
    Object.assign(typo.spec!.template.spec!.containers[0]!.securityContext!, { readOnlyRootFilesytem: true });
    const diagnostics = typeCheck([{ ...MODELS['batch/v1/Job'], value: typo, name: 'typo' }]);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!, /'"readOnlyRootFilesytem"' does not exist in type 'ISecurityContext'/);
  });

  test('the pods run as the IRSA service account, in its namespace', () => {
    const roleArn = serviceAccount.metadata!.annotations!['eks.amazonaws.com/role-arn']!;
    assert.ok(parseRoleArn(roleArn).ok, `the annotation is an IAM role ARN: ${roleArn}`);
    for (const { file, doc } of docs)
      assert.equal(doc.metadata!.namespace, serviceAccount.metadata!.namespace, `${file}: namespace`);
    for (const { file, doc } of workloads)
      assert.equal(podSpec(doc).serviceAccountName, serviceAccount.metadata!.name, `${file}: serviceAccountName`);
  });

  test('runs are never retried, bounded, non-root, read-only but for an emptyDir on /tmp, with resources', () => {
    for (const { file, doc } of workloads) {
      const spec = jobSpec(doc);
      const pod = podSpec(doc);
      const container = containerOf(doc);
      assert.equal(spec.backoffLimit, 0, `${file}: backoffLimit`);
      assert.ok(spec.activeDeadlineSeconds! > 0, `${file}: activeDeadlineSeconds`);
      assert.equal(pod.restartPolicy, 'Never', `${file}: restartPolicy`);
      assert.equal(pod.securityContext?.runAsNonRoot, true, `${file}: runAsNonRoot`);
      assert.ok(pod.securityContext.runAsUser! > 0, `${file}: runAsUser`);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${file}: readOnlyRootFilesystem`);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false, `${file}: allowPrivilegeEscalation`);
      assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL'], `${file}: capabilities`);
      for (const kind of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          assert.ok(container.resources?.[kind]?.[resource], `${file}: resources.${kind}.${resource}`);
      const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
      assert.ok(tmp, `${file}: /tmp is mounted`);
      const volume = pod.volumes?.find((v) => v.name === tmp.name);
      assert.ok(volume?.emptyDir, `${file}: /tmp is an emptyDir`);
    }
  });

  test("the runs set the seed's env vars and leave time for the worst case and for the restore on SIGTERM", () => {
    for (const { file, doc } of runs) {
      const env = containerEnv(doc);
      for (const name of SEED_VARS) assert.ok(env[name] !== undefined, `${file}: env ${name}`);
      assert.deepEqual(containerOf(doc).args?.slice(0, 2), ['run', 'update-task-role']);
      const worst = worstCaseSeconds(env);
      const deadline = jobSpec(doc).activeDeadlineSeconds!;
      assert.ok(deadline > worst, `${file}: activeDeadlineSeconds ${deadline} > worst case ${worst}`);
      assert.ok(
        podSpec(doc).terminationGracePeriodSeconds! >= seconds(env, 'RESTORE_TIMEOUT', '900'),
        `${file}: terminationGracePeriodSeconds covers RESTORE_TIMEOUT`,
      );
    }
    const recoverEnv = containerEnv(recover.doc);
    assert.deepEqual(containerOf(recover.doc).args?.slice(0, 1), ['recover']);
    assert.ok(jobSpec(recover.doc).activeDeadlineSeconds! > seconds(recoverEnv, 'RESTORE_TIMEOUT', '900'));
  });

  test('the CronJob runs what the Job runs, one at a time, never late', () => {
    assert.deepEqual(cron.spec!.jobTemplate.spec!.template, job.spec!.template);
    assert.equal(cron.spec!.jobTemplate.spec!.backoffLimit, job.spec!.backoffLimit);
    assert.equal(cron.spec!.jobTemplate.spec!.activeDeadlineSeconds, job.spec!.activeDeadlineSeconds);
    assert.equal(cron.spec!.concurrencyPolicy, 'Forbid');
    assert.ok(cron.spec!.startingDeadlineSeconds! > 0);
    assert.match(cron.spec!.schedule, /^\S+ \S+ \S+ \S+ \S+$/);
  });

  test('the Jobs, the CronJob and the ECS task definition run one image', () => {
    const task = readTaskDefinition();
    const images = new Set([...workloads.map((d) => containerOf(d.doc).image), task.containerDefinitions![0]!.image]);
    assert.equal(images.size, 1, [...images].join(', '));
  });
});

describe('deploy/ecs/task-definition.json', () => {
  const text = readFileSync(join(DEPLOY, 'ecs', 'task-definition.json'), 'utf8');
  const task = readTaskDefinition();
  const container = task.containerDefinitions![0]!;

  test("validates against botocore's model of RegisterTaskDefinition (fields, types, required, enums)", () => {
    // botocore's own validator (unknown fields, types, required members, minimum lengths), then the
    // enums it leaves out, walked over the input shape.
    const script = `
import json, sys
import botocore, botocore.session
from botocore.validate import ParamValidator
model = botocore.session.get_session().get_service_model('ecs')
shape = model.operation_model('RegisterTaskDefinition').input_shape
params = json.load(sys.stdin)
errors = []
report = ParamValidator().validate(params, shape)
if report.has_errors():
    errors.append(report.generate_report())
def walk(value, shape, path):
    if shape.type_name == 'structure' and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members: walk(v, shape.members[k], path + '.' + k)
    elif shape.type_name == 'list' and isinstance(value, list):
        for i, v in enumerate(value): walk(v, shape.member, '%s[%d]' % (path, i))
    elif shape.type_name == 'map' and isinstance(value, dict):
        for k, v in value.items(): walk(v, shape.value, path + '.' + k)
    elif shape.type_name == 'string' and shape.enum and value not in shape.enum:
        errors.append('%s: %r is not one of %s' % (path, value, shape.enum))
walk(params, shape, 'input')
print(json.dumps({'botocore': botocore.__version__, 'errors': errors}))
`;
    const validate = (input: string): { botocore: string; errors: string[] } => {
      const result = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
      assert.equal(
        result.status,
        0,
        `python3 with botocore validates the task definition (the CI image has both): ${result.error?.message ?? result.stderr}`,
      );
      return JSON.parse(result.stdout) as { botocore: string; errors: string[] };
    };
    const out = validate(text);
    assert.deepEqual(out.errors, [], `botocore ${out.botocore}`);
    // And it would see a mistake: an unknown field, a wrong type, a value outside an enum.
    const wrong = structuredClone(task) as unknown as Record<string, unknown>;
    Object.assign(wrong, { cpu: 256, networkMode: 'vpc', taskRole: 'x' });
    const caught = validate(JSON.stringify(wrong)).errors.join('\n');
    assert.match(caught, /Invalid type for parameter cpu, value: 256/);
    assert.match(caught, /Unknown parameter in input: "taskRole"/);
    assert.match(caught, /input\.networkMode: 'vpc' is not one of/);
  });

  test('runs ecs-chaos on Fargate as a non-root user, read-only but for /tmp, with awslogs and an init process', () => {
    assert.deepEqual(task.requiresCompatibilities, ['FARGATE']);
    assert.ok(parseRoleArn(task.taskRoleArn!).ok, 'taskRoleArn: the runner role, with the policy of ecs-chaos policy');
    assert.ok(parseRoleArn(task.executionRoleArn!).ok, 'executionRoleArn: image pull and logs');
    assert.notEqual(task.taskRoleArn, task.executionRoleArn);
    assert.match(container.user!, /^[1-9]\d*(:\d+)?$/);
    assert.equal(container.readonlyRootFilesystem, true);
    const tmp = container.mountPoints?.find((m) => m.containerPath === '/tmp');
    assert.ok(tmp && task.volumes?.some((v) => v.name === tmp.sourceVolume), '/tmp on a task volume');
    assert.equal(container.linuxParameters?.initProcessEnabled, true);
    assert.ok(container.stopTimeout! > 0 && container.stopTimeout! <= 120, "Fargate's stopTimeout is at most 120 s");
    assert.equal(container.logConfiguration?.logDriver, 'awslogs');
    for (const option of ['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix'])
      assert.ok(container.logConfiguration.options?.[option], option);
    const env = Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value]));
    for (const name of SEED_VARS) assert.ok(env[name] !== undefined, `environment ${name}`);
    assert.deepEqual(container.command?.slice(0, 2), ['run', 'update-task-role']);
  });
});

describe('deploy/github-actions/ecs-chaos.yml', () => {
  const content = readFileSync(join(DEPLOY, 'github-actions', 'ecs-chaos.yml'), 'utf8');
  const workflow = parseYaml(content) as Workflow;
  const job = workflow.jobs.chaos!;
  const step = (predicate: (s: Step) => boolean, what: string): Step => {
    const found = job.steps.find(predicate);
    assert.ok(found, what);
    return found;
  };

  test("parses with GitHub's workflow parser, without errors", async () => {
    const parsed = parseWorkflow({ name: 'ecs-chaos.yml', content }, new NoOperationTraceWriter());
    assert.deepEqual(
      parsed.context.errors.getErrors().map((e) => e.message),
      [],
    );
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    assert.deepEqual(template.errors ?? [], []);
    assert.deepEqual(
      template.jobs.map((j) => j.id.value),
      ['chaos'],
    );
  });

  test('assumes the runner role through OIDC, plans, runs with --junit, publishes the report, repairs on exit 4', () => {
    assert.ok('workflow_dispatch' in workflow.on, 'can be started by hand');
    assert.equal(workflow.permissions['id-token'], 'write');
    assert.equal(workflow.concurrency['cancel-in-progress'], false);
    for (const name of SEED_VARS) assert.ok(workflow.env[name] !== undefined, `env ${name}`);
    const credentials = step((s) => !!s.uses?.startsWith('aws-actions/configure-aws-credentials@'), 'OIDC credentials');
    assert.ok(credentials.with?.['role-to-assume'] && credentials.with['aws-region']);
    assert.ok(!('aws-access-key-id' in credentials.with), 'no stored keys');
    step((s) => /^ecs-chaos plan\b/m.test(s.run ?? ''), 'a plan step');
    const run = step((s) => s.id === 'run', 'the run step');
    assert.match(run.run!, /ecs-chaos run update-task-role .*--junit junit\.xml/);
    const report = step((s) => !!s.uses?.startsWith('mikepenz/action-junit-report@'), 'the JUnit report');
    assert.equal(report.with?.report_paths, 'junit.xml');
    assert.match(report.if!, /steps\.run\.outputs\.exit-code != ''/);
    const repair = step((s) => /exit-code == '4'/.test(s.if ?? ''), 'the repair on exit 4');
    assert.match(repair.run!, /^ecs-chaos recover$/m);
    step((s) => /cancelled\(\)/.test(s.if ?? '') && /ecs-chaos recover/.test(s.run ?? ''), 'the repair on cancel');
    assert.ok(job['timeout-minutes'] * 60 > worstCaseSeconds(workflow.env), 'timeout-minutes covers the worst case');
  });

  describe('its shell steps, run by bash as the runner does, with stub programs', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-workflow-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /**
     * Stubs `ecs-chaos` (and `sleep`) on PATH: each call is appended to calls.log; `ecs-chaos run`
     * and `ecs-chaos recover` exit with the next code of their list (the last one repeats); `run`
     * with the code `wait` waits for SIGTERM and then exits 3, as ecs-chaos aborts.
     */
    function stubs(name: string, codes: { run?: (number | 'wait')[]; recover?: number[] }): string {
      const bin = join(dir, name);
      mkdirSync(bin);
      writeFileSync(join(bin, 'codes.json'), JSON.stringify(codes));
      writeFileSync(
        join(bin, 'ecs-chaos'),
        `#!${process.execPath}
const fs = require('fs');
const path = require('path');
const dir = ${JSON.stringify(bin)};
const [command] = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.log'), process.argv.slice(2).join(' ') + '\\n');
const codes = JSON.parse(fs.readFileSync(path.join(dir, 'codes.json'), 'utf8'))[command] || [0];
const count = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\\n').filter((l) => l.split(' ')[0] === command).length;
const code = codes[Math.min(count, codes.length) - 1];
if (code === 'wait') {
  process.on('SIGTERM', () => { fs.appendFileSync(path.join(dir, 'calls.log'), 'SIGTERM\\n'); process.exit(3); });
  fs.writeFileSync(path.join(dir, 'started'), '');
  setTimeout(() => process.exit(99), 30000);
} else {
  process.exit(code);
}
`,
      );
      writeFileSync(join(bin, 'sleep'), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, 'ecs-chaos'), 0o755);
      chmodSync(join(bin, 'sleep'), 0o755);
      return bin;
    }

    /** Runs a step's script as the runner does (`bash --noprofile --norc -eo pipefail`). */
    function runStep(
      script: string,
      bin: string,
      onStart?: (pid: number) => void,
    ): Promise<{ code: number | null; stdout: string; output: string; calls: string[] }> {
      const output = join(bin, 'github-output');
      writeFileSync(output, '');
      const file = join(bin, 'step.sh');
      writeFileSync(file, script);
      return new Promise((resolve, reject) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output },
        });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          const calls = readFileSync(join(bin, 'calls.log'), { encoding: 'utf8', flag: 'a+' });
          resolve({ code, stdout, output: readFileSync(output, 'utf8'), calls: calls.split('\n').filter(Boolean) });
        });
        if (onStart) onStart(child.pid!);
      });
    }

    const runScript = (): string => step((s) => s.id === 'run', 'the run step').run!;

    test('the run step passes the exit code on as an output and as its own', async () => {
      for (const code of [0, 1, 2, 3, 4]) {
        const bin = stubs(`run-${code}`, { run: [code] });
        const result = await runStep(runScript(), bin);
        assert.equal(result.code, code);
        assert.equal(result.output, `exit-code=${code}\n`);
        assert.equal(result.calls.length, 1);
        assert.match(result.calls[0]!, /^run update-task-role .*--junit junit\.xml/);
        if (code === 4) assert.match(result.stdout, /::error::something may be left behind/);
      }
    });

    test('a cancelled run step (SIGINT to bash) passes SIGTERM to ecs-chaos and keeps its exit code', async () => {
      const bin = stubs('run-cancelled', { run: ['wait'] });
      const result = await runStep(runScript(), bin, (pid) => {
        const started = join(bin, 'started');
        const poll = setInterval(() => {
          try {
            readFileSync(started);
          } catch {
            return;
          }
          clearInterval(poll);
          process.kill(pid, 'SIGINT');
        }, 20);
        setTimeout(() => clearInterval(poll), 20_000).unref();
      });
      assert.deepEqual(result.calls.slice(1), ['SIGTERM']);
      assert.equal(result.code, 3);
      assert.equal(result.output, 'exit-code=3\n');
    });

    test('the repair after a cancel waits while the lease is LIVE (exit 2), then recovers and checks', async () => {
      const script = step(
        (s) => /cancelled\(\)/.test(s.if ?? '') && /ecs-chaos recover/.test(s.run ?? ''),
        'the repair on cancel',
      ).run!;
      const waited = await runStep(script, stubs('repair-live', { recover: [2, 2, 0] }));
      assert.equal(waited.code, 0);
      assert.deepEqual(
        waited.calls.map((c) => c.split(' ')[0]),
        ['recover', 'recover', 'recover', 'status'],
      );
      assert.ok(
        waited.calls.every((c) => !c.includes('--force')),
        'never --force',
      );
      const left = await runStep(script, stubs('repair-left', { recover: [4] }));
      assert.equal(left.code, 4);
      assert.deepEqual(left.calls, ['recover --restore-timeout 150']);
    });
  });
});

describe('the env vars and args of the manifests, run by ecs-chaos against the sandbox', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  before(async () => {
    sandbox = await startSandbox({ scenario: 'demo', pace: 'fast' });
    ecs = new ECSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.credentials });
  });
  after(async () => {
    ecs.destroy();
    await sandbox.close();
  });

  const job = kubernetesDocuments().find((d) => d.file === 'job.yaml')!.doc as IJob;
  const recoverJob = kubernetesDocuments().find((d) => d.file === 'recover-job.yaml')!.doc as IJob;
  const task = readTaskDefinition();
  const taskEnv = Object.fromEntries(
    (task.containerDefinitions![0]!.environment ?? []).map((e) => [e.name!, e.value ?? '']),
  );

  test("the Job's env plans on a tagged service (the target pointed at the demo)", async () => {
    const result = await runCli(['plan'], { env: sandboxEnv(sandbox, { ...containerEnv(job), ...DEMO }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exposure \(exact mode\)/);
    assert.match(result.stderr, /carries the required tag/);
  });

  test("the Job's tag guard refuses a service without the tag, changing nothing", async () => {
    const billing = `arn:aws:ecs:${sandbox.region}:123456789012:service/demo/billing`;
    await ecs.send(new UntagResourceCommand({ resourceArn: billing, tagKeys: ['chaos-allowed'] }));
    const result = await runCli(['plan'], {
      env: sandboxEnv(sandbox, { ...containerEnv(job), ...DEMO, SERVICE_NAME: 'billing' }),
    });
    assert.equal(result.code, 2);
    assert.match(result.stdout + result.stderr, /carries the required tag/);
  });

  test("the Job's args run the experiment to a Pass (the chaos window shortened)", async () => {
    const args = containerOf(job).args!;
    const result = await runCli(args, {
      env: sandboxEnv(sandbox, {
        ...containerEnv(job),
        ...DEMO,
        TOTAL_CHAOS_DURATION: '1',
        CHAOS_INTERVAL: '1',
        RAMP_TIME: '0',
      }),
      timeoutMs: 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /verdict:\s+Pass/);
    // --log-format json: every progress line on stderr is a JSON object.
    for (const line of result.stderr.split('\n').filter((l) => l.startsWith('{')))
      assert.doesNotThrow(() => JSON.parse(line) as unknown);
  });

  test("the recover Job's env and args find nothing to repair on a clean cluster", async () => {
    const result = await runCli(containerOf(recoverJob).args!, {
      env: sandboxEnv(sandbox, { ...containerEnv(recoverJob), ...DEMO }),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  test("the ECS task definition's environment plans, and the task definition registers on Fargate", async () => {
    const plan = await runCli(['plan'], { env: sandboxEnv(sandbox, { ...taskEnv, ...DEMO }) });
    assert.equal(plan.code, 0, plan.stderr);
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(task));
    const def = registered.taskDefinition!;
    assert.ok(def.compatibilities?.includes('FARGATE'), 'ECS accepts it for Fargate');
    assert.ok(def.requiresAttributes?.some((a) => a.name === 'ecs.capability.execution-role-awslogs'));
    assert.equal(def.containerDefinitions?.[0]?.readonlyRootFilesystem, true);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: def.taskDefinitionArn }));
  });
});
