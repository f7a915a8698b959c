/**
 * Credentials files in the `~/.aws/credentials` format (AWS_AUTHENTICATION_SECRET): reading one
 * profile, with its optional expiry, without ever quoting a secret in an error.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../errors.js';

/** Static credentials, as read from a credentials file. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When temporary keys expire, from the profile's `aws_expiration` (or `expiration`, `x_security_token_expires`). */
  readonly expiration?: Date;
}

/** Options of {@link readCredentialsFile}. */
export interface ReadCredentialsFileOptions {
  /** Where the path came from, for errors, e.g. `env AWS_AUTHENTICATION_SECRET`. */
  readonly source?: string;
}

const FIELD = 'AWS_AUTHENTICATION_SECRET';
const FILE_FORMAT_FIX =
  'pass a credentials file in ~/.aws/credentials format: a [default] section with aws_access_key_id = ... and aws_secret_access_key = ...';

/**
 * Reads one profile of a credentials file in the standard `~/.aws/credentials` INI format
 * (`[name]` sections, `key = value` lines, `#` and `;` comments). Sections written `[profile name]`
 * are read as `name` too.
 *
 * Throws an {@link InvalidInputError} naming AWS_AUTHENTICATION_SECRET when the file is missing,
 * unreadable or malformed, has no such profile (the profiles found are listed), or lacks a key.
 * No error ever quotes a line of the file or a secret.
 *
 * @example readCredentialsFile('/run/secrets/aws', 'default') // { accessKeyId: 'AKIA...', secretAccessKey: '...' }
 */
export function readCredentialsFile(
  path: string,
  profile = 'default',
  options: ReadCredentialsFileOptions = {},
): AwsCredentials {
  const fail = (problem: string, fix: string): InvalidInputError =>
    new InvalidInputError(FIELD, path, problem, fix, options.source === undefined ? {} : { source: options.source });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail('the credentials file does not exist', FILE_FORMAT_FIX);
    if (code === 'EISDIR') throw fail('is a directory, not a credentials file', FILE_FORMAT_FIX);
    if (code === 'EACCES' || code === 'EPERM')
      throw fail(
        'the credentials file cannot be read (permission denied)',
        'make the file readable by the user running ecs-chaos',
      );
    throw fail(`the credentials file cannot be read (${code ?? 'unknown error'})`, FILE_FORMAT_FIX);
  }
  const parsed = parseCredentialsIni(text);
  if (!parsed.ok) throw fail(`the credentials file is malformed: ${parsed.problem}`, FILE_FORMAT_FIX);
  const section = parsed.profiles.get(profile);
  if (!section) {
    const found = [...parsed.profiles.keys()];
    const listed = found.length === 0 ? 'no profiles found' : `profiles found: ${found.join(', ')}`;
    throw fail(
      `the credentials file has no profile '${profile}' (${listed})`,
      found.length === 0
        ? FILE_FORMAT_FIX
        : `set --profile / AWS_PROFILE to one of ${found.join(', ')}, or add a [${profile}] section`,
    );
  }
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  const sessionToken = section.get('aws_session_token');
  if (!accessKeyId || !secretAccessKey) {
    const missing = [!accessKeyId && 'aws_access_key_id', !secretAccessKey && 'aws_secret_access_key'].filter(Boolean);
    const keyHint = accessKeyId ? ` (aws_access_key_id ${maskAccessKeyId(accessKeyId)})` : '';
    throw fail(
      `profile '${profile}' of the credentials file has no ${missing.join(' and no ')}${keyHint}`,
      `add aws_access_key_id = ... and aws_secret_access_key = ... under [${profile}]`,
    );
  }
  const expiration = readExpiration(section, profile, fail);
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

/** The keys tools that write temporary keys use for their expiry (saml2aws: x_security_token_expires). */
export const EXPIRATION_KEYS = ['aws_expiration', 'expiration', 'aws_session_expiration', 'x_security_token_expires'];

function readExpiration(
  section: Map<string, string>,
  profile: string,
  fail: (problem: string, fix: string) => InvalidInputError,
): Date | undefined {
  for (const key of EXPIRATION_KEYS) {
    const value = section.get(key);
    if (value === undefined || value === '') continue;
    const time = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time))
      throw fail(
        `profile '${profile}' of the credentials file has ${key} = ${JSON.stringify(value.slice(0, 40))}, which is not a date`,
        `write ${key} as an ISO 8601 time, e.g. ${key} = 2026-01-31T12:00:00Z, or remove it`,
      );
    return new Date(time);
  }
  return undefined;
}

/** `...WXYZ`: the most of an access key id any message shows. */
function maskAccessKeyId(accessKeyId: string): string {
  return accessKeyId.length > 4 ? `...${accessKeyId.slice(-4)}` : '...';
}

type ParsedIni =
  | { readonly ok: true; readonly profiles: Map<string, Map<string, string>> }
  | { readonly ok: false; readonly problem: string };

/** Parses the INI dialect of AWS credentials files. Problems name a line number, never its text. */
function parseCredentialsIni(text: string): ParsedIni {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let inSubProperties = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    if (/^\s*([#;].*)?$/.test(line)) continue;
    // The SDK's parser also drops a comment that follows whitespace; keys and secrets hold none.
    const content = line.replace(/\s[#;].*$/, '');
    // An indented line under `key =` is a nested setting (e.g. `s3 =` then `  max_concurrent = 5`).
    if (inSubProperties && /^\s/.test(content)) continue;
    inSubProperties = false;
    const header = /^\s*\[\s*([^\]]*?)\s*\]\s*$/.exec(content);
    if (header) {
      const name = (header[1] ?? '').replace(/^profile\s+/, '');
      if (name === '') return { ok: false, problem: `line ${lineNo} is a section header without a name` };
      current = profiles.get(name) ?? new Map<string, string>();
      profiles.set(name, current);
      continue;
    }
    const pair = /^\s*([^=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(content);
    if (pair) {
      if (!current) return { ok: false, problem: `line ${lineNo} sets a key before any [profile] header` };
      const value = pair[2] ?? '';
      current.set((pair[1] ?? '').toLowerCase(), value);
      inSubProperties = value === '';
      continue;
    }
    return { ok: false, problem: `line ${lineNo} is not a [profile] header, a key = value line or a comment` };
  }
  return { ok: true, profiles };
}
