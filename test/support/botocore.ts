/**
 * Test support: the botocore service models installed with the machine's python3, and a validator
 * of raw answers (JSON, or query-protocol XML) against an operation's output shape: members,
 * types, enums and required fields. The models are read as JSON by Node; python3 is only asked
 * where botocore lives.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Shape {
  readonly type: string;
  readonly members?: Readonly<Record<string, { readonly shape: string; readonly locationName?: string }>>;
  readonly required?: readonly string[];
  readonly member?: { readonly shape: string; readonly locationName?: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly enum?: readonly string[];
  readonly flattened?: boolean;
  readonly error?: { readonly code?: string };
  readonly timestampFormat?: string;
}

export interface Operation {
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  readonly errors?: readonly { readonly shape: string }[];
}

export interface ServiceModel {
  readonly metadata: { readonly protocol: string };
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/** Where botocore is installed; throws a clear error when it is not. */
export function botocoreDir(): string {
  const fix =
    'ecs-chaos checks its sandbox against the botocore service models: install botocore for python3 (pip install botocore, or apt-get install python3-botocore)';
  try {
    const dir = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    if (dir && existsSync(join(dir, 'data'))) return dir;
  } catch {
    // tried the usual places below
  }
  for (const base of ['/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages']) {
    if (existsSync(join(base, 'botocore', 'data'))) return join(base, 'botocore');
  }
  throw new Error(`botocore not found: ${fix}`);
}

/** The newest model of a service (`ecs`, `iam`...). */
export function loadModel(service: string): ServiceModel {
  const dir = join(botocoreDir(), 'data', service);
  const version = readdirSync(dir).sort().at(-1);
  if (!version) throw new Error(`no botocore model for ${service} in ${dir}`);
  const plain = join(dir, version, 'service-2.json');
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  return JSON.parse(text) as ServiceModel;
}

/** The error codes an operation may answer: its own error shapes, by their wire code. */
export function errorCodes(model: ServiceModel, operation: string): Set<string> {
  const op = model.operations[operation];
  if (!op) throw new Error(`the model has no operation ${operation}`);
  return new Set((op.errors ?? []).map((e) => model.shapes[e.shape]?.error?.code ?? e.shape));
}

/** Errors every AWS API may answer (the API references' "Common Errors"). */
export const COMMON_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'ThrottlingException',
  'Throttling',
  'ValidationError',
  'ValidationException',
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
]);

/** Problems of a JSON value against a shape, as `path: problem` lines. */
export function validateJson(model: ServiceModel, shapeName: string, value: unknown, path = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: unknown shape ${shapeName}`];
  if (value === null || value === undefined) return [];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object (${shapeName})`];
      const out: string[] = [];
      const obj = value as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        const member = shape.members?.[key];
        if (!member) out.push(`${path}.${key}: not a member of ${shapeName}`);
        else out.push(...validateJson(model, member.shape, obj[key], `${path}.${key}`));
      }
      for (const req of shape.required ?? [])
        if (obj[req] === undefined) out.push(`${path}.${req}: required by ${shapeName}`);
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: expected a list (${shapeName})`];
      return value.flatMap((v, i) => validateJson(model, shape.member!.shape, v, `${path}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected a map (${shapeName})`];
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
        ...validateJson(model, shape.key!.shape, k, `${path}{key}`),
        ...validateJson(model, shape.value!.shape, v, `${path}.${k}`),
      ]);
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string (${shapeName}), got ${JSON.stringify(value)}`];
      return shape.enum && !shape.enum.includes(value)
        ? [`${path}: ${value} is not one of ${shape.enum.join('|')}`]
        : [];
    case 'integer':
    case 'long':
      return Number.isInteger(value)
        ? []
        : [`${path}: expected an integer (${shapeName}), got ${JSON.stringify(value)}`];
    case 'float':
    case 'double':
      return typeof value === 'number' ? [] : [`${path}: expected a number (${shapeName})`];
    case 'boolean':
      return typeof value === 'boolean'
        ? []
        : [`${path}: expected a boolean (${shapeName}), got ${JSON.stringify(value)}`];
    case 'timestamp':
      // JSON protocols: epoch seconds (a number) unless the shape says otherwise.
      if (shape.timestampFormat === 'iso8601')
        return typeof value === 'string' && !Number.isNaN(Date.parse(value))
          ? []
          : [`${path}: expected an ISO 8601 time`];
      return typeof value === 'number'
        ? []
        : [`${path}: expected epoch seconds (${shapeName}), got ${JSON.stringify(value)}`];
    case 'blob':
      return typeof value === 'string' ? [] : [`${path}: expected base64 text`];
    default:
      return [`${path}: unhandled type ${shape.type}`];
  }
}

/** An XML element: its name, its child elements, its text. */
export interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  text: string;
}

function unescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

/** A small XML parser for the query protocol's answers (elements and text; attributes ignored). */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token =
    /<\?[^>]*\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s/>]+)[^>]*?(\/?)>|([^<]+)/g;
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (top.name !== m[2]) throw new Error(`XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const node: XmlNode = { name: m[3], children: [], text: '' };
      top.children.push(node);
      if (m[4] !== '/') stack.push(node);
    } else if (m[5] !== undefined) top.text += unescape(m[5]);
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1]!.name}> is not closed`);
  return root;
}

/** Problems of a query-protocol XML element against a shape. */
export function validateXml(model: ServiceModel, shapeName: string, node: XmlNode, path = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: unknown shape ${shapeName}`];
  const text = node.text.trim();
  switch (shape.type) {
    case 'structure': {
      const out: string[] = [];
      const byName = new Map(Object.entries(shape.members ?? {}).map(([k, m]) => [m.locationName ?? k, m]));
      const seen = new Set<string>();
      for (const child of node.children) {
        const member = byName.get(child.name);
        if (!member) {
          out.push(`${path}.${child.name}: not a member of ${shapeName}`);
          continue;
        }
        seen.add(child.name);
        out.push(...validateXml(model, member.shape, child, `${path}.${child.name}`));
      }
      for (const req of shape.required ?? []) {
        const name = shape.members?.[req]?.locationName ?? req;
        if (!seen.has(name)) out.push(`${path}.${name}: required by ${shapeName}`);
      }
      return out;
    }
    case 'list': {
      const item = shape.member!.locationName ?? 'member';
      return node.children.flatMap((c, i) =>
        c.name === item
          ? validateXml(model, shape.member!.shape, c, `${path}[${i}]`)
          : [`${path}.${c.name}: a list of ${shapeName} holds <${item}> elements`],
      );
    }
    case 'map':
      return node.children.flatMap((entry, i) => {
        const key = entry.children.find((c) => c.name === 'key');
        const value = entry.children.find((c) => c.name === 'value');
        if (entry.name !== 'entry' || !key || !value) return [`${path}[${i}]: a map entry needs <key> and <value>`];
        return validateXml(model, shape.value!.shape, value, `${path}.${key.text}`);
      });
    case 'string':
      return shape.enum && !shape.enum.includes(text) ? [`${path}: ${text} is not one of ${shape.enum.join('|')}`] : [];
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? [] : [`${path}: expected an integer, got ${JSON.stringify(text)}`];
    case 'float':
    case 'double':
      return Number.isFinite(Number(text)) && text !== ''
        ? []
        : [`${path}: expected a number, got ${JSON.stringify(text)}`];
    case 'boolean':
      return text === 'true' || text === 'false'
        ? []
        : [`${path}: expected true or false, got ${JSON.stringify(text)}`];
    case 'timestamp':
      return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text)
        ? []
        : [`${path}: expected an ISO 8601 UTC time, got ${JSON.stringify(text)}`];
    case 'blob':
      return [];
    default:
      return [`${path}: unhandled type ${shape.type}`];
  }
}
