/** The report paths of `run` (`--html`, `--junit`), checked before any change as `--result-file` is. */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws invalid input when `path` cannot be written: a folder, a folder that does not exist, or
 * not writable. Found out now, not after the experiment has run.
 */
export function checkOutputPath(flag: string, path: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, path);
  const fail = (problem: string, fix: string): never => {
    throw new InvalidInputError(flag, path, problem, fix, { source: `flag ${flag}` });
  };
  const stat = statOrUndefined(absolute);
  if (stat?.isDirectory()) fail('is a directory', `pass a file path such as ${resolve(absolute, 'report.out')}`);
  const dir = dirname(absolute);
  if (!statOrUndefined(dir)?.isDirectory())
    fail(`its directory ${dir} does not exist`, `create ${dir} first, or pass a path in an existing folder`);
  try {
    accessSync(stat ? absolute : dir, constants.W_OK);
  } catch {
    fail(
      `${stat ? 'the file' : `its directory ${dir}`} is not writable`,
      'pass a path the user running ecs-chaos may write',
    );
  }
  return absolute;
}
