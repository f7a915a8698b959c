/**
 * Writes one profile of a shared credentials file (`~/.aws/credentials` format): the section is
 * created or replaced, every other line of the file is kept as it was, and the file is written
 * atomically with mode 0600 (it holds secrets).
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Temporary credentials to store under a profile. */
export interface ProfileCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** When they expire; written as a comment. */
  readonly expiration?: Date;
}

/**
 * The shared credentials file the SDKs and the AWS CLI read: AWS_SHARED_CREDENTIALS_FILE, else
 * `~/.aws/credentials`.
 *
 * @example sharedCredentialsPath({ AWS_SHARED_CREDENTIALS_FILE: '/tmp/creds' }) // '/tmp/creds'
 */
export function sharedCredentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.AWS_SHARED_CREDENTIALS_FILE;
  return configured && configured.trim() !== '' ? configured : join(homedir(), '.aws', 'credentials');
}

/** The section header a line opens, or undefined. `[profile x]` is read as `x`. */
function headerName(line: string): string | undefined {
  const match = /^\s*\[\s*([^\]]*?)\s*\]\s*$/.exec(line);
  return match ? (match[1] ?? '').replace(/^profile\s+/, '') : undefined;
}

/**
 * Whether profile `profile` of the file's text holds long-term keys (an access key without a
 * session token): those are not to be overwritten by temporary ones.
 */
export function holdsLongTermKeys(text: string, profile: string): boolean {
  let inside = false;
  let key = false;
  let token = false;
  for (const line of text.split(/\r?\n/)) {
    const name = headerName(line);
    if (name !== undefined) {
      if (inside) break;
      inside = name === profile;
      continue;
    }
    if (!inside) continue;
    if (/^\s*aws_access_key_id\s*=/i.test(line)) key = true;
    if (/^\s*aws_session_token\s*=/i.test(line)) token = true;
  }
  return key && !token;
}

/**
 * Returns the file's text with profile `profile` set to `lines` (its `key = value` lines): every
 * section of that name is dropped and one new section is put where the first was (at the end when
 * there was none). Other sections, comments and blank lines are kept verbatim.
 *
 * @example upsertProfile('[default]\na = 1\n', 'sim', ['b = 2']) // '[default]\na = 1\n\n[sim]\nb = 2\n'
 */
export function upsertProfile(text: string, profile: string, lines: readonly string[]): string {
  const source = text.replace(/\r\n/g, '\n');
  const out: string[] = [];
  let skipping = false;
  let placed = false;
  const section = [`[${profile}]`, ...lines];
  const body = source.endsWith('\n') ? source.slice(0, -1) : source;
  for (const line of body === '' ? [] : body.split('\n')) {
    const name = headerName(line);
    if (name !== undefined) {
      skipping = name === profile;
      if (skipping) {
        if (!placed) out.push(...section, '');
        placed = true;
        continue;
      }
    }
    if (!skipping) out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  if (!placed) {
    if (out.length > 0) out.push('');
    out.push(...section);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Writes temporary credentials to profile `profile` of the credentials file at `path` (created with
 * its directory when missing), keeping the rest of the file. The file ends with mode 0600.
 *
 * @example await writeCredentialsProfile(sharedCredentialsPath(process.env), 'orders-sim', credentials, '# ...');
 */
export async function writeCredentialsProfile(
  path: string,
  profile: string,
  credentials: ProfileCredentials,
  comment?: string,
): Promise<void> {
  let existing = '';
  try {
    existing = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  }
  const lines = [
    ...(comment ? [`# ${comment}`] : []),
    ...(credentials.expiration ? [`# expires ${credentials.expiration.toISOString()}`] : []),
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    `aws_session_token = ${credentials.sessionToken}`,
  ];
  const text = upsertProfile(existing, profile, lines);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { encoding: 'utf8', mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
