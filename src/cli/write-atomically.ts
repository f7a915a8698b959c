/** Files the CLI writes (results, reports): never half written, even by a crash. */
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * O_CREAT|O_EXCL fails on any existing path, a symlink included (it is never followed); O_NOFOLLOW
 * says so twice where the platform has it.
 */
const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Writes a file atomically, creating its folder: a temporary file with a random name in the
 * target's folder, created exclusively (a file or symlink another local user planted there is
 * never opened nor followed), then renamed into place.
 */
export async function writeAtomically(path: string, content: string): Promise<string> {
  const target = resolve(path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const tmp = join(dir, `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
    let handle;
    try {
      handle = await open(tmp, EXCLUSIVE, 0o666);
    } catch (err) {
      // A name taken (by chance, or planted): try another random one, a few times.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 5) continue;
      throw err;
    }
    try {
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return target;
  }
}
