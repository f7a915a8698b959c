/**
 * What AWS answered that the pinned SDK does not know. The SDK's deserializers keep only the
 * members of their model: a member ECS added after the SDK was built is dropped without a word,
 * and a task definition copied from the parsed answer would silently lose it. The ECS client keeps
 * the raw JSON of the answers that are copied (DescribeTaskDefinition), and {@link unknownMembers}
 * names what the parsed answer lacks.
 */
import type { Readable } from 'node:stream';

/** The raw JSON answer, on the parsed output (not enumerable: it never reaches a report). */
const RAW_ANSWER = Symbol.for('ecs-chaos.rawAnswer');
const CONTEXT_KEY = '__ecsChaosRawAnswer';

interface MiddlewareStackLike {
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/**
 * Makes a client keep the raw JSON answer of the given commands (e.g. `DescribeTaskDefinitionCommand`)
 * for {@link rawAnswerOf}. The body is read once, before the SDK's deserializer, and handed to it as bytes.
 */
export function keepRawAnswers(client: { middlewareStack: unknown }, commands: ReadonlySet<string>): void {
  const stack = client.middlewareStack as MiddlewareStackLike;
  stack.addRelativeTo(
    (next: (args: unknown) => Promise<{ response: unknown }>, context: Record<string, unknown>) =>
      async (args: unknown) => {
        const out = await next(args);
        if (!commands.has(String(context.commandName))) return out;
        const response = out.response as { statusCode?: number; body?: unknown };
        if (response.statusCode !== 200 || !isReadable(response.body)) return out;
        const bytes = await readAll(response.body);
        response.body = bytes;
        try {
          context[CONTEXT_KEY] = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
        } catch {
          // Not JSON: the deserializer will say so.
        }
        return out;
      },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'ecsChaosKeepRawAnswer', override: true },
  );
  stack.add(
    (next: (args: unknown) => Promise<{ output: unknown }>, context: Record<string, unknown>) =>
      async (args: unknown) => {
        const out = await next(args);
        const raw = context[CONTEXT_KEY];
        if (raw !== undefined && typeof out.output === 'object' && out.output !== null)
          Object.defineProperty(out.output, RAW_ANSWER, { value: raw, enumerable: false });
        return out;
      },
    { step: 'initialize', priority: 'high', name: 'ecsChaosAttachRawAnswer', override: true },
  );
}

/** The raw JSON answer a client made with {@link keepRawAnswers} kept on this output, if any. */
export function rawAnswerOf(output: unknown): unknown {
  return typeof output === 'object' && output !== null ? (output as Record<symbol, unknown>)[RAW_ANSWER] : undefined;
}

/**
 * The paths of the members of `raw` that `parsed` lacks, e.g. `taskDefinition.runtimeIsolation` or
 * `taskDefinition.containerDefinitions[].restartPolicy` (array items share one path). Null values
 * are skipped: the SDK drops them too, and they carry nothing.
 */
export function unknownMembers(raw: unknown, parsed: unknown, path = ''): string[] {
  const found = new Set<string>();
  walk(raw, parsed, path, found);
  return [...found].sort();
}

function walk(raw: unknown, parsed: unknown, path: string, found: Set<string>): void {
  if (Array.isArray(raw)) {
    if (!Array.isArray(parsed)) return;
    raw.forEach((item, i) => walk(item, parsed[i], `${path}[]`, found));
    return;
  }
  if (!isPlainObject(raw) || typeof parsed !== 'object' || parsed === null) return;
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    const at = path === '' ? key : `${path}.${key}`;
    if (!(key in parsed)) found.add(at);
    else walk(value, (parsed as Record<string, unknown>)[key], at, found);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReadable(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).on === 'function';
}

async function readAll(body: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The members of a service in a DescribeServices answer of a client made with
 * {@link keepRawAnswers} that the SDK does not know (`loadBalancers[].futureField`), relative to the
 * service: exact mode's sibling copies the service from the parsed answer and would not carry them.
 * Undefined when the answer carries no raw JSON.
 */
export function unknownServiceMembers(answer: unknown, serviceName: string): string[] | undefined {
  const raw = rawAnswerOf(answer) as { services?: unknown[] } | undefined;
  if (raw === undefined) return undefined;
  const parsed = (answer as { services?: { serviceName?: string }[] }).services ?? [];
  const index = parsed.findIndex((s) => s.serviceName === serviceName);
  if (index < 0 || !Array.isArray(raw.services)) return [];
  return unknownMembers(raw.services[index], parsed[index]);
}

/** The preflight check of a DescribeTaskDefinition answer: its name, and what {@link judgeTaskDefinitionAnswer} found. */
export const KNOWN_MEMBERS_CHECK = 'task definition fully understood';

/**
 * Judges a DescribeTaskDefinition answer of a client made with {@link keepRawAnswers}: `fail` when
 * the task definition (what the fault copies) has members the SDK does not know, as the copy would
 * silently lose them; `warn` for unknown members beside it (not copied: harmless); `pass` otherwise.
 * Undefined when the answer carries no raw JSON (ports not made by `createAwsPorts`).
 */
export function judgeTaskDefinitionAnswer(
  answer: unknown,
): { readonly status: 'pass' | 'warn' | 'fail'; readonly detail: string } | undefined {
  const raw = rawAnswerOf(answer);
  if (raw === undefined) return undefined;
  const unknown = unknownMembers(raw, answer);
  const copied = unknown.filter((p) => p.startsWith('taskDefinition.'));
  const beside = unknown.filter((p) => !p.startsWith('taskDefinition.'));
  const arn = (answer as { taskDefinition?: { taskDefinitionArn?: string } }).taskDefinition?.taskDefinitionArn;
  if (copied.length > 0)
    return {
      status: 'fail',
      detail:
        `${arn ?? 'the task definition'} has members the AWS SDK of this ecs-chaos does not know (${copied.join(', ')}): ` +
        'its chaos copy would silently lose them, changing more than the task role. Fix: upgrade ecs-chaos ' +
        '(a release with a newer AWS SDK knows them), or run against a task definition without them',
    };
  if (beside.length > 0)
    return {
      status: 'warn',
      detail: `DescribeTaskDefinition answered members the AWS SDK of this ecs-chaos does not know (${beside.join(', ')}); they are not copied. Upgrade ecs-chaos to read them`,
    };
  return { status: 'pass', detail: 'every member AWS answered is known to the AWS SDK of this ecs-chaos' };
}
