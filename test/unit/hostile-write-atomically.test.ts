import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically } from '../../src/cli/write-atomically.js';

describe('writeAtomically against a hostile folder', () => {
  test('a symlink planted at the old predictable temporary path is neither followed nor used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-atomic-'));
    try {
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'precious');
      const target = join(dir, 'result.json');
      // Another local user predicts `<target>.<pid>.tmp` and points it at a file of theirs to clobber.
      symlinkSync(victim, `${target}.${process.pid}.tmp`);
      await writeAtomically(target, '{"ok":true}');
      assert.equal(readFileSync(victim, 'utf8'), 'precious');
      assert.equal(readFileSync(target, 'utf8'), '{"ok":true}');
      // No temporary file of ours is left behind.
      assert.deepEqual(
        readdirSync(dir)
          .filter((n) => n.endsWith('.tmp') && n !== `result.json.${process.pid}.tmp`)
          .sort(),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two writes at once to the same target both succeed (random temporary names), the file is whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-atomic-'));
    try {
      const target = join(dir, 'r.json');
      await Promise.all([writeAtomically(target, 'a'.repeat(100_000)), writeAtomically(target, 'b'.repeat(100_000))]);
      const text = readFileSync(target, 'utf8');
      assert.ok(text === 'a'.repeat(100_000) || text === 'b'.repeat(100_000));
      assert.deepEqual(readdirSync(dir), ['r.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
