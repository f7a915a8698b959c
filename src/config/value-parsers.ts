/** The parsers of the fields' values: regions, ARNs, names, tags, durations, paths, URLs and choices. */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PARTITIONS, parseArn, parseRoleArn } from '../aws/arn.js';
import { parseDuration } from './duration.js';
import { GUIDANCE, exampleFor, invalid } from './field-values.js';
import type { FieldDefinition } from './fields.js';
import type { RequiredTag } from './spec.js';
import type { RawValue } from './sources.js';

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** `us-east-1`, `ap-southeast-5`, `us-gov-west-1`, `eusc-de-east-1` (the European Sovereign Cloud). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
/** One character of an ECS tag key or value: a letter, a digit, a space or one of `+ - = . _ : / @`. */
const TAG_CHARACTER = /^[\p{L}\p{Z}\p{N}+\-=._:/@]$/u;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;

export function parseRegion(field: FieldDefinition, raw: RawValue & { text: string }): string {
  if (!REGION.test(raw.text)) throw invalid(field, raw, 'is not an AWS region name');
  return raw.text;
}

/** The partition a region belongs to. */
function partitionOf(region: string): (typeof PARTITIONS)[number] {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export function parseRole(field: FieldDefinition, raw: RawValue & { text: string }, region: string): string {
  const parsed = parseRoleArn(raw.text);
  if (!parsed.ok) throw invalid(field, raw, `is not an IAM role ARN: ${parsed.reason}`);
  const expected = partitionOf(region);
  if (parsed.arn.partition !== expected) {
    throw invalid(
      field,
      raw,
      `is an ARN of partition '${parsed.arn.partition}', but region ${region} is in partition '${expected}'`,
      `pass a role ARN starting arn:${expected}:iam::, or a region of partition ${parsed.arn.partition}`,
    );
  }
  return raw.text;
}

/** Parses a cluster or service given by name or by ARN. A service ARN also names its cluster. */
export function parseEcsName(
  field: FieldDefinition,
  raw: RawValue & { text: string },
  kind: 'cluster' | 'service',
  region: string,
): { name: string; cluster: string | undefined } {
  const { text } = raw;
  if (!text.startsWith('arn:')) {
    if (!NAME.test(text)) throw invalid(field, raw, `is not a valid ${kind} name`);
    return { name: text, cluster: undefined };
  }
  const expectedForm =
    kind === 'cluster' ? 'arn:aws:ecs:REGION:ACCOUNT:cluster/NAME' : 'arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME';
  const arn = parseArn(text);
  if (!arn) throw invalid(field, raw, `is not a valid ARN (expected ${expectedForm})`);
  if (arn.service !== 'ecs') throw invalid(field, raw, `is an ARN of service '${arn.service}', not an ECS ${kind} ARN`);
  const partition = partitionOf(region);
  if (arn.partition !== partition)
    throw invalid(
      field,
      raw,
      `is an ARN of partition '${arn.partition}', but region ${region} is in partition '${partition}'`,
    );
  if (arn.region !== region)
    throw invalid(
      field,
      raw,
      `is an ARN of region '${arn.region}', but the experiment's region is ${region}`,
      `pass the ${kind} name alone, an ARN of region ${region}, or set REGION to ${arn.region || 'the region of the ARN'}`,
    );
  if (!/^\d{12}$/.test(arn.accountId)) throw invalid(field, raw, `'${arn.accountId}' is not a 12-digit account id`);
  const parts = arn.resource.split('/');
  if (kind === 'cluster') {
    const [type, name, ...rest] = parts;
    if (type !== 'cluster' || name === undefined || rest.length > 0 || !NAME.test(name))
      throw invalid(field, raw, `is not an ECS cluster ARN (expected ${expectedForm})`);
    return { name, cluster: undefined };
  }
  // Service ARNs are service/CLUSTER/NAME, or service/NAME in the old format.
  const [type, first, second, ...rest] = parts;
  const clusterName = second === undefined ? undefined : first;
  const name = second ?? first;
  if (
    type !== 'service' ||
    name === undefined ||
    rest.length > 0 ||
    !NAME.test(name) ||
    (clusterName !== undefined && !NAME.test(clusterName))
  )
    throw invalid(field, raw, `is not an ECS service ARN (expected ${expectedForm})`);
  return { name, cluster: clusterName };
}

export function parsePercent(field: FieldDefinition, raw: RawValue & { text: string }): number {
  if (!/^\d+$/.test(raw.text)) throw invalid(field, raw, 'is not a whole number from 1 to 100');
  const percent = Number(raw.text);
  if (percent < 1 || percent > 100) throw invalid(field, raw, 'is outside 1..100');
  return percent;
}

/**
 * Parses `key=value` into a tag as ECS checks tags: the first `=` splits, the key has 1..128 and
 * the value 0..256 characters, both only letters, digits, spaces and `+ - = . _ : / @`.
 */
export function parseTag(field: FieldDefinition, raw: RawValue & { text: string }): RequiredTag {
  const split = raw.text.indexOf('=');
  if (split < 0) throw invalid(field, raw, "has no '=': a tag is written key=value");
  const key = raw.text.slice(0, split);
  const value = raw.text.slice(split + 1);
  if (key === '') throw invalid(field, raw, "has an empty key (nothing before '=')");
  // Spaces are legal in tags, but around '=' they are almost always a typo for key=value.
  if (/\s$/.test(key) || /^\s/.test(value))
    throw invalid(
      field,
      raw,
      "has spaces around '='",
      `write the tag as key=value without spaces around '=', e.g. ${exampleFor(field, raw.origin, raw.fileKey, GUIDANCE.requireTag.example)}`,
    );
  for (const [part, text, max] of [
    ['key', key, TAG_KEY_MAX],
    ['value', value, TAG_VALUE_MAX],
  ] as const) {
    const characters = [...text];
    if (characters.length > max)
      throw invalid(field, raw, `has a ${part} of ${characters.length} characters; ECS allows at most ${max}`);
    const bad = characters.find((c) => !TAG_CHARACTER.test(c));
    if (bad !== undefined)
      throw invalid(field, raw, `has ${JSON.stringify(bad)} in its ${part}, a character ECS tags do not allow`);
  }
  return { key, value };
}

export function parseSeconds(field: FieldDefinition, raw: RawValue & { text: string }): number {
  const input = typeof raw.value === 'number' ? raw.value : raw.text;
  const parsed = parseDuration(input, { minSeconds: field.minSeconds ?? 1 });
  if (!parsed.ok) throw invalid(field, raw, parsed.reason);
  return parsed.seconds;
}

export function parsePath(_field: FieldDefinition, raw: RawValue & { text: string }): string {
  return resolve(raw.baseDir, raw.text);
}

export function parseResultFile(field: FieldDefinition, raw: RawValue & { text: string }): string {
  const path = resolve(raw.baseDir, raw.text);
  // Found out now, not after the experiment has run.
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) throw invalid(field, raw, 'is a directory');
  const dir = dirname(path);
  const dirStat = statOrUndefined(dir);
  if (!dirStat?.isDirectory()) throw invalid(field, raw, `its directory ${dir} does not exist`);
  try {
    accessSync(stat ? path : dir, constants.W_OK);
  } catch {
    throw invalid(field, raw, `${stat ? 'the file' : `its directory ${dir}`} is not writable`);
  }
  return path;
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function parseText(_field: FieldDefinition, raw: RawValue & { text: string }): string {
  return raw.text;
}

export function parseUrl(field: FieldDefinition, raw: RawValue & { text: string }): string {
  let url: URL;
  try {
    url = new URL(raw.text);
  } catch {
    throw invalid(field, raw, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(
      field,
      raw,
      raw.text.includes('://')
        ? `has scheme ${url.protocol.replace(/:$/, '')}; only http and https are supported`
        : 'has no http:// or https:// scheme',
    );
  if (url.username !== '' || url.password !== '') {
    // Never echo what may be a password.
    const redacted = { ...raw, value: `${url.protocol}//***@${url.host}${url.pathname}` };
    throw invalid(field, redacted, 'must not contain a user name or password');
  }
  return raw.text;
}

export function parseChoice(field: FieldDefinition, raw: RawValue & { text: string }): string {
  const choices = field.choices ?? [];
  if (!choices.includes(raw.text)) throw invalid(field, raw, `is not one of ${choices.join(', ')}`);
  return raw.text;
}

export function parseBoolean(field: FieldDefinition, raw: RawValue & { text: string }): boolean {
  if (raw.text === 'true') return true;
  if (raw.text === 'false') return false;
  throw invalid(field, raw, 'is not true or false');
}
