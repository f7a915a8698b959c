/**
 * A bad-input case of a fault, run through the built program against the sandbox: exit 2, the field
 * or check named with its fix, and no change to AWS (a pure input error: no AWS call at all).
 */
import assert from 'node:assert/strict';
import type { Sandbox } from '../../sandbox/index.js';
import { runCli } from './cli.js';

export interface BadInputCase {
  readonly name: string;
  /** The fault run; the file's default when absent. */
  readonly fault?: string;
  readonly service?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** The field (config errors) or the preflight check (refusals) stderr names. */
  readonly names: string;
  readonly says: RegExp;
  /** `config`: refused before any AWS call; `preflight`: after reads, before any change. */
  readonly by: 'config' | 'preflight';
}

/** Runs `c` (`fault` unless the case names its own) and asserts it was refused before any change. */
export async function assertRefused(
  sandbox: Sandbox,
  env: NodeJS.ProcessEnv,
  c: BadInputCase,
  fault: string,
  noChange: string,
): Promise<void> {
  const since = sandbox.requests().at(-1)?.seq ?? 0;
  const run = await runCli(['run', c.fault ?? fault, ...(c.args ?? [])], {
    env: { ...env, SERVICE_NAME: c.service ?? 'orders', ...c.env },
    timeoutMs: 60_000,
  });
  const calls = sandbox.requests(since);
  assert.equal(run.code, 2, `exit ${run.code}\nstderr: ${run.stderr}`);
  assert.ok(run.stderr.includes(c.names), `stderr does not name ${c.names}: ${run.stderr}`);
  assert.match(run.stderr, c.says);
  assert.match(run.stderr, /Fix: \S/);
  assert.deepEqual(
    calls.filter((r) => r.mutating).map((r) => r.action),
    [],
    noChange,
  );
  if (c.by === 'config')
    assert.deepEqual(
      calls.map((r) => r.action),
      [],
      'a pure input error calls no AWS',
    );
}
