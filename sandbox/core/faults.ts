/**
 * Fault injection: rules that make chosen AWS operations slow, throttled, failing with 500 or 503,
 * dropped or hung, with a seeded pseudo-random generator so that a randomized run can be replayed.
 *
 * A rule names a service (or `*`), an operation (a name or a glob such as `Describe*`), a kind of
 * fault, a probability, an optional count, and whether it strikes before the handler (the call is
 * not applied) or after it (the call is applied and its answer is replaced: a lost answer).
 *
 * The front consults the injector on every authenticated AWS call, never on the admin routes.
 */
import { randomInt } from 'node:crypto';
import { AwsError } from './errors.js';
import type { RequestFault } from './requestlog.js';
import type { FaultCall, FaultDecision, FaultEnd, FaultSource } from './server.js';

/** The kinds of fault, in the order the documentation lists them. */
export const FAULT_KINDS = ['latency', 'throttle', 'error500', 'error503', 'drop', 'hang'] as const;

/**
 * What a fault does to a call: `latency` delays it then goes on; `throttle` answers with the
 * protocol's throttling error; `error500` / `error503` with its internal / unavailable error; `drop`
 * closes the connection without an answer; `hang` holds the request open without an answer, then
 * closes the connection.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** When a fault strikes: before the handler (the call is not applied) or after it (it is). */
export type FaultPhase = 'before' | 'after';

/** The signing names of the services the sandbox serves, which rules may name. */
export const FAULT_SERVICES = ['ecs', 'iam', 'sts'] as const;

/** How long a hung request is held open by default, in milliseconds. */
export const DEFAULT_HANG_MS = 60_000;
/** The longest hang or added latency a rule may ask for, in milliseconds. */
export const MAX_FAULT_MS = 600_000;
/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_FAULT_SEED = 0xffff_ffff;

/** A fault rule, as given to {@link FaultInjector.add}, to `startSandbox` or to `POST /_sandbox/faults`. */
export interface FaultRule {
  /** The service's signing name, `ecs`, `iam` or `sts`, or `*` for any. @default '*' */
  readonly service?: string;
  /** The operation, e.g. `UpdateService`, or a glob where `*` matches any text (`Describe*`, `*`). @default '*' */
  readonly action?: string;
  /** What the fault does. */
  readonly kind: FaultKind;
  /** The chance that a matching call is struck, from 0 to 1. @default 1 */
  readonly probability?: number;
  /** Strike at most this many times, then let calls through. @default unlimited */
  readonly count?: number;
  /** For `latency`: the delay in milliseconds (1 to 600000). Required for `latency`, refused otherwise. */
  readonly latencyMs?: number;
  /** For `hang`: how long the request is held before the connection is closed (1 to 600000). @default 60000 */
  readonly hangMs?: number;
  /** Before the handler (the call is not applied) or after it (applied, then its answer is replaced). @default 'before' */
  readonly when?: FaultPhase;
}

/** A rule with its defaults filled in. */
export interface ResolvedFaultRule {
  readonly service: string;
  readonly action: string;
  readonly kind: FaultKind;
  readonly probability: number;
  /** Absent: unlimited. */
  readonly count?: number;
  /** Present for `latency` only. */
  readonly latencyMs?: number;
  /** Present for `hang` only. */
  readonly hangMs?: number;
  readonly when: FaultPhase;
}

/** A rule of an injector, as {@link FaultInjector.list} and `GET /_sandbox/faults` show it. */
export interface FaultRuleInfo extends ResolvedFaultRule {
  /** The rule's id, for {@link FaultInjector.remove} and `DELETE /_sandbox/faults/ID`. */
  readonly id: string;
  /** The rule in the text syntax of `--fault`. */
  readonly text: string;
  /** Calls that matched the rule while it had strikes left (struck or spared by the probability). */
  readonly matched: number;
  /** Calls the rule struck. */
  readonly injected: number;
  /** Strikes left, or null when unlimited. */
  readonly remaining: number | null;
}

/** What an injector has done since it was created (rules removed since included). */
export interface FaultStats {
  /** AWS calls the injector was consulted on (authenticated calls; admin routes excluded). */
  readonly calls: number;
  /** Faults injected, all kinds together (a call can get a latency and another fault). */
  readonly injected: number;
  /** Faults injected per kind. */
  readonly byKind: Readonly<Record<FaultKind, number>>;
  /** Faults injected per rule id. */
  readonly byRule: Readonly<Record<string, number>>;
}

/** The answer of `GET /_sandbox/faults`. */
export interface FaultSnapshot {
  readonly seed: number;
  readonly rules: FaultRuleInfo[];
  readonly stats: FaultStats;
}

/** A fault rule that cannot be used: what is wrong with it and how to write it. */
export class FaultRuleError extends Error {
  /** What is wrong, e.g. `unknown fault kind 'throtle'`. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
  /** The position of the rule in the list it came in, when it came in a list. */
  readonly index: number | undefined;

  constructor(problem: string, fix: string, index?: number) {
    super(`${index === undefined ? '' : `rule ${index + 1}: `}${problem}. Fix: ${fix}`);
    this.name = 'FaultRuleError';
    this.problem = problem;
    this.fix = fix;
    this.index = index;
  }

  /** The same error, placed at a position in a list. */
  at(index: number): FaultRuleError {
    return new FaultRuleError(this.problem, this.fix, index);
  }
}

const SYNTAX = '[SERVICE:]ACTION=KIND[:ARG][@PROBABILITY][xCOUNT][/after]';
const EXAMPLE = 'ecs:UpdateService=throttle@0.3';
const KINDS_TEXT = 'latency, throttle, error500, error503, drop or hang';
const RULE_KEYS = new Set(['service', 'action', 'kind', 'probability', 'count', 'latencyMs', 'hangMs', 'when']);

function isKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

function checkService(value: string): string {
  const service = value.toLowerCase();
  if (service !== '*' && !(FAULT_SERVICES as readonly string[]).includes(service)) {
    throw new FaultRuleError(`unknown service '${value}'`, `use ${FAULT_SERVICES.join(', ')} or * (any service)`);
  }
  return service;
}

function checkAction(value: string): string {
  if (!/^[A-Za-z0-9*]+$/.test(value)) {
    throw new FaultRuleError(
      `'${value}' is not an operation name or glob`,
      'use an operation name such as UpdateService, or a glob with * such as Describe* or *',
    );
  }
  return value;
}

function checkMs(what: string, value: unknown, fix: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_FAULT_MS) {
    throw new FaultRuleError(`${what} must be a whole number of milliseconds from 1 to ${MAX_FAULT_MS}`, fix);
  }
  return value;
}

/**
 * Checks a rule given as an object (from code or from JSON) and fills in its defaults.
 *
 * @throws {FaultRuleError} naming what is wrong and how to write it.
 */
export function validateFaultRule(input: unknown): ResolvedFaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultRuleError(
      'a fault rule must be an object or a text rule',
      `pass e.g. {"service":"ecs","action":"UpdateService","kind":"throttle"} or "${EXAMPLE}"`,
    );
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.has(key)) {
      throw new FaultRuleError(`unknown field '${key}'`, `use only ${[...RULE_KEYS].join(', ')}`);
    }
  }
  const { kind } = raw;
  if (typeof kind !== 'string' || !isKind(kind)) {
    throw new FaultRuleError(
      kind === undefined ? 'the fault kind is missing' : `unknown fault kind ${JSON.stringify(kind)}`,
      `set kind to ${KINDS_TEXT}`,
    );
  }
  const text = (field: string, value: unknown): string => {
    if (typeof value !== 'string' || value === '') {
      throw new FaultRuleError(
        `${field} must be a non-empty string`,
        `e.g. ${field === 'service' ? '"ecs"' : '"UpdateService"'}`,
      );
    }
    return value;
  };
  const service = raw.service === undefined ? '*' : checkService(text('service', raw.service));
  const action = raw.action === undefined ? '*' : checkAction(text('action', raw.action));
  const { probability = 1, count, latencyMs, hangMs, when = 'before' } = raw;
  if (typeof probability !== 'number' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
    throw new FaultRuleError('probability must be a number from 0 to 1', 'e.g. 0.3 strikes about 3 calls in 10');
  }
  if (count !== undefined && (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)) {
    throw new FaultRuleError(
      'count must be a whole number of at least 1',
      'e.g. 1 strikes once; leave it out for no limit',
    );
  }
  if (when !== 'before' && when !== 'after') {
    throw new FaultRuleError(`when must be 'before' or 'after'`, `'after' applies the call, then replaces its answer`);
  }
  if (kind === 'latency') {
    if (latencyMs === undefined) throw new FaultRuleError('a latency rule needs latencyMs', 'e.g. latencyMs: 200');
    checkMs('latencyMs', latencyMs, 'e.g. latencyMs: 200');
  } else if (latencyMs !== undefined) {
    throw new FaultRuleError(`latencyMs applies to latency rules only, not ${kind}`, 'remove latencyMs');
  }
  if (kind === 'hang') {
    if (hangMs !== undefined) checkMs('hangMs', hangMs, `e.g. hangMs: 5000 (default ${DEFAULT_HANG_MS})`);
  } else if (hangMs !== undefined) {
    throw new FaultRuleError(`hangMs applies to hang rules only, not ${kind}`, 'remove hangMs');
  }
  return {
    service,
    action,
    kind,
    probability,
    ...(count === undefined ? {} : { count }),
    ...(kind === 'latency' ? { latencyMs: latencyMs as number } : {}),
    ...(kind === 'hang' ? { hangMs: (hangMs as number | undefined) ?? DEFAULT_HANG_MS } : {}),
    when,
  };
}

function parseDuration(what: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  const fix = `write milliseconds or seconds, e.g. ${what}:200, ${what}:200ms or ${what}:2s`;
  if (!match) throw new FaultRuleError(`'${text}' is not a duration`, fix);
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_FAULT_MS) {
    throw new FaultRuleError(`the duration must be a whole number of milliseconds from 1 to ${MAX_FAULT_MS}`, fix);
  }
  return ms;
}

/**
 * Parses a rule in the text syntax of `ecs-chaos sandbox --fault`:
 * `[SERVICE:]ACTION=KIND[:ARG][@PROBABILITY][xCOUNT][/after]`, modifiers in any order, whitespace
 * ignored. ARG is the delay of `latency` (required) or the hold of `hang`, in milliseconds or with
 * `ms` / `s`; PROBABILITY is `0.3` or `30%`; `/before` is the default.
 *
 * @example parseFaultRule('ecs:Describe*=latency:200') // { service: 'ecs', action: 'Describe*', kind: 'latency', latencyMs: 200 }
 * @example parseFaultRule('UpdateService=throttle@0.3x2') // { action: 'UpdateService', kind: 'throttle', probability: 0.3, count: 2 }
 * @example parseFaultRule('RegisterTaskDefinition=drop/after') // applied, then the connection is dropped
 * @throws {FaultRuleError} naming what is wrong and how to write it.
 */
export function parseFaultRule(text: string): FaultRule {
  const compact = text.replace(/\s+/g, '');
  const eq = compact.indexOf('=');
  if (compact === '' || eq < 0) {
    throw new FaultRuleError(
      compact === '' ? 'the rule is empty' : `no '=' between the operation and the fault kind`,
      `write ${SYNTAX}, e.g. ${EXAMPLE}`,
    );
  }
  const target = compact.slice(0, eq);
  const effect = compact.slice(eq + 1);
  const colon = target.indexOf(':');
  if (colon === 0) {
    throw new FaultRuleError(
      `the service before ':' is missing`,
      `write ${FAULT_SERVICES.join(', ')} or * before ':', or leave out ':'`,
    );
  }
  if (target === '' || colon === target.length - 1) {
    throw new FaultRuleError('the operation is missing', `write ${SYNTAX}, e.g. ${EXAMPLE} (* for every operation)`);
  }
  const rule: { -readonly [K in keyof FaultRule]: FaultRule[K] } = { kind: 'drop' };
  if (colon > 0) rule.service = checkService(target.slice(0, colon));
  const action = colon > 0 ? target.slice(colon + 1) : target;
  if ((FAULT_SERVICES as readonly string[]).includes(action)) {
    throw new FaultRuleError(
      `'${action}' is a service, not an operation`,
      `write ${action}:*=KIND for every operation of ${action}`,
    );
  }
  rule.action = checkAction(action);

  const head = /^([A-Za-z0-9]*?)(?::([^@/]*?))?(?=$|[@/]|x\d)/.exec(effect);
  const kindText = head?.[1]?.toLowerCase() ?? '';
  if (!head || !isKind(kindText)) {
    const shown = head?.[1] ?? effect;
    throw new FaultRuleError(
      shown === '' ? 'the fault kind is missing' : `unknown fault kind '${shown}'`,
      `use ${KINDS_TEXT}`,
    );
  }
  rule.kind = kindText;
  const arg = head[2];
  if (kindText === 'latency') {
    if (arg === undefined || arg === '') {
      throw new FaultRuleError('latency needs its delay', 'write latency:MS, e.g. latency:200 or latency:2s');
    }
    rule.latencyMs = parseDuration('latency', arg);
  } else if (kindText === 'hang') {
    if (arg !== undefined) rule.hangMs = parseDuration('hang', arg);
  } else if (arg !== undefined) {
    throw new FaultRuleError(`${kindText} takes no argument (got ':${arg}')`, `write ${kindText} alone`);
  }

  let rest = effect.slice(head[0].length);
  while (rest !== '') {
    const modifier = /^(@[^@/x]*|x[^@/x]*|\/[^@/x]*)/.exec(rest)?.[1];
    if (!modifier) {
      throw new FaultRuleError(
        `unexpected '${rest}'`,
        `after the kind, write @PROBABILITY, xCOUNT or /after, e.g. ${EXAMPLE}x2/after`,
      );
    }
    rest = rest.slice(modifier.length);
    const value = modifier.slice(1);
    if (modifier.startsWith('@')) {
      if (rule.probability !== undefined)
        throw new FaultRuleError('the probability is given twice', 'keep one @PROBABILITY');
      const m = /^(\d*\.?\d+)(%?)$/.exec(value);
      const p = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : NaN;
      if (!(p >= 0 && p <= 1)) {
        throw new FaultRuleError(`probability '${value}' is not from 0 to 1`, 'write e.g. @0.3 or @30%');
      }
      rule.probability = p;
    } else if (modifier.startsWith('x')) {
      if (rule.count !== undefined) throw new FaultRuleError('the count is given twice', 'keep one xCOUNT');
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new FaultRuleError(
          `count '${value}' is not a whole number of at least 1`,
          'write e.g. x1 to strike once',
        );
      }
      rule.count = n;
    } else {
      if (rule.when !== undefined) throw new FaultRuleError('/before or /after is given twice', 'keep one');
      const when = value.toLowerCase();
      if (when !== 'before' && when !== 'after') {
        throw new FaultRuleError(
          `'/${value}' is not /before or /after`,
          `write /after to apply the call and lose its answer`,
        );
      }
      rule.when = when;
    }
  }
  validateFaultRule(rule);
  return rule;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Writes a rule in the text syntax of `--fault` (the inverse of {@link parseFaultRule}, with
 * defaults left out).
 *
 * @example formatFaultRule({ service: 'ecs', action: 'UpdateService', kind: 'throttle', probability: 0.3 }) // 'ecs:UpdateService=throttle@0.3'
 */
export function formatFaultRule(rule: FaultRule): string {
  const r = validateFaultRule(rule);
  let text = `${r.service === '*' ? '' : `${r.service}:`}${r.action}=${r.kind}`;
  if (r.latencyMs !== undefined) text += `:${formatMs(r.latencyMs)}`;
  if (r.hangMs !== undefined && r.hangMs !== DEFAULT_HANG_MS) text += `:${formatMs(r.hangMs)}`;
  if (r.probability !== 1) text += `@${r.probability}`;
  if (r.count !== undefined) text += `x${r.count}`;
  if (r.when === 'after') text += '/after';
  return text;
}

/**
 * Reads the rules of a `POST /_sandbox/faults` body: a rule object, a text rule, or `{ rules: [...] }`
 * holding either.
 *
 * @throws {FaultRuleError} with the position of the faulty rule.
 */
export function faultRulesFromJson(body: unknown): (FaultRule | string)[] {
  if (typeof body === 'string') return [body];
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'rules' in body) {
    const { rules } = body;
    if (!Array.isArray(rules) || Object.keys(body).length !== 1) {
      throw new FaultRuleError('rules must be a list, alone in the body', `send {"rules":["${EXAMPLE}"]}`);
    }
    return rules as (FaultRule | string)[];
  }
  return [body as FaultRule];
}

/** A pseudo-random generator (mulberry32): the same seed gives the same numbers in [0, 1). */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The error a fault answers with, shaped as AWS shapes it in each protocol: JSON services say
 * `ThrottlingException` / `ServerException` / `ServiceUnavailableException`, query services
 * `Throttling` / `InternalFailure` / `ServiceUnavailable`.
 */
export function faultError(kind: 'throttle' | 'error500' | 'error503', protocol: 'json' | 'query'): AwsError {
  const json = protocol === 'json';
  switch (kind) {
    case 'throttle':
      return new AwsError(json ? 'ThrottlingException' : 'Throttling', 'Rate exceeded', 400);
    case 'error500':
      return json
        ? new AwsError('ServerException', 'Service encountered an internal error. Please try again.', 500)
        : new AwsError(
            'InternalFailure',
            'The request processing has failed because of an unknown error, exception or failure.',
            500,
          );
    case 'error503':
      return json
        ? new AwsError('ServiceUnavailableException', 'Service is unavailable. Please try again.', 503)
        : new AwsError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503);
  }
}

/** Turns a glob where `*` matches any text into a regular expression. */
function globRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

interface ActiveRule {
  readonly id: string;
  readonly rule: ResolvedFaultRule;
  readonly text: string;
  readonly pattern: RegExp;
  matched: number;
  injected: number;
  remaining: number | null;
}

/** Options of a {@link FaultInjector}. */
export interface FaultInjectorOptions {
  /** The seed of the pseudo-random generator (0 to 4294967295). @default a random one, reported as {@link FaultInjector.seed} */
  readonly seed?: number;
  /** Rules to start with. */
  readonly rules?: readonly (FaultRule | string)[];
  /**
   * The operations of each service (by signing name). When given, a rule that matches none of them
   * is refused, so that a misspelt operation does not silently never strike.
   */
  readonly operations?: Readonly<Record<string, readonly string[]>>;
  /** Waits for the given milliseconds (tests may replace it). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Decides which AWS calls get which faults, and counts what it did. Rules are consulted in the
 * order they were added: every `latency` rule that strikes adds its delay, and the first other rule
 * that strikes ends the call. Each rule with a probability below 1 draws one number from the seeded
 * generator per matching call, so the same seed and the same sequence of calls give the same faults.
 *
 * @example
 * const faults = new FaultInjector({ seed: 7 });
 * const id = faults.add('ecs:UpdateService=throttle@0.5');
 * faults.add({ service: 'iam', action: 'Get*', kind: 'latency', latencyMs: 100 });
 * faults.remove(id);
 */
export class FaultInjector implements FaultSource {
  /** The seed of the generator: pass it back as `faultSeed` / `--fault-seed` to replay a run. */
  readonly seed: number;
  readonly #rules = new Map<string, ActiveRule>();
  readonly #random: () => number;
  readonly #operations: Readonly<Record<string, readonly string[]>> | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  #nextId = 1;
  #calls = 0;
  #injected = 0;
  readonly #byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly #byRule = new Map<string, number>();

  constructor(options: FaultInjectorOptions = {}) {
    const { seed = randomInt(MAX_FAULT_SEED + 1) } = options;
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_FAULT_SEED) {
      throw new RangeError(`fault seed must be a whole number from 0 to ${MAX_FAULT_SEED} (got ${seed})`);
    }
    this.seed = seed;
    this.#random = createPrng(seed);
    this.#operations = options.operations;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    if (options.rules) this.addAll(options.rules);
  }

  /**
   * Adds a rule (an object or a text rule) and returns its id.
   *
   * @throws {FaultRuleError} when the rule is invalid or matches no operation.
   */
  add(rule: FaultRule | string): string {
    try {
      return this.addAll([rule])[0]!;
    } catch (err) {
      throw err instanceof FaultRuleError ? new FaultRuleError(err.problem, err.fix) : err;
    }
  }

  /**
   * Adds rules, all or none, and returns their ids in order.
   *
   * @throws {FaultRuleError} with the position of the first invalid rule; then none is added.
   */
  addAll(rules: readonly (FaultRule | string)[]): string[] {
    const checked = rules.map((input, index) => {
      try {
        const rule = validateFaultRule(typeof input === 'string' ? parseFaultRule(input) : input);
        this.#checkMatchesSomething(rule);
        return rule;
      } catch (err) {
        throw err instanceof FaultRuleError ? err.at(index) : err;
      }
    });
    return checked.map((rule) => {
      const id = `f${this.#nextId++}`;
      this.#rules.set(id, {
        id,
        rule,
        text: formatFaultRule(rule),
        pattern: globRegExp(rule.action),
        matched: 0,
        injected: 0,
        remaining: rule.count ?? null,
      });
      return id;
    });
  }

  /** Removes a rule; false when there is no rule with that id. */
  remove(id: string): boolean {
    return this.#rules.delete(id);
  }

  /** Removes every rule and returns how many there were. Statistics are kept. */
  clear(): number {
    const n = this.#rules.size;
    this.#rules.clear();
    return n;
  }

  /** The rules, in the order they are consulted, with their counters. */
  list(): FaultRuleInfo[] {
    return [...this.#rules.values()].map((r) => ({
      id: r.id,
      text: r.text,
      ...r.rule,
      matched: r.matched,
      injected: r.injected,
      remaining: r.remaining,
    }));
  }

  /** What the injector has done so far. */
  stats(): FaultStats {
    return {
      calls: this.#calls,
      injected: this.#injected,
      byKind: { ...this.#byKind },
      byRule: Object.fromEntries(this.#byRule),
    };
  }

  /** The seed, the rules and the statistics, as `GET /_sandbox/faults` answers. */
  snapshot(): FaultSnapshot {
    return { seed: this.seed, rules: this.list(), stats: this.stats() };
  }

  /**
   * Decides the faults of a call at one phase, waits out any latency, and says how the call ends.
   * Called by the front before the handler (every call) and after it (calls the handler answered).
   */
  async apply(call: FaultCall): Promise<FaultDecision> {
    if (call.when === 'before') this.#calls++;
    const fired: RequestFault[] = [];
    let delayMs = 0;
    let end: FaultEnd | undefined;
    for (const active of this.#rules.values()) {
      const { rule } = active;
      if (rule.when !== call.when || active.remaining === 0) continue;
      if (rule.service !== '*' && rule.service !== call.service) continue;
      if (!active.pattern.test(call.action)) continue;
      active.matched++;
      const strikes = rule.probability >= 1 ? true : rule.probability <= 0 ? false : this.#random() < rule.probability;
      if (!strikes) continue;
      active.injected++;
      if (active.remaining !== null) active.remaining--;
      this.#injected++;
      this.#byKind[rule.kind]++;
      this.#byRule.set(active.id, (this.#byRule.get(active.id) ?? 0) + 1);
      fired.push({ id: active.id, kind: rule.kind, when: rule.when });
      if (rule.kind === 'latency') {
        delayMs += rule.latencyMs ?? 0;
        continue;
      }
      end =
        rule.kind === 'drop'
          ? { type: 'drop' }
          : rule.kind === 'hang'
            ? { type: 'hang', ms: rule.hangMs ?? DEFAULT_HANG_MS }
            : { type: 'error', error: faultError(rule.kind, call.protocol) };
      break;
    }
    if (delayMs > 0) await this.#sleep(delayMs);
    return end ? { fired, end } : { fired };
  }

  #checkMatchesSomething(rule: ResolvedFaultRule): void {
    const operations = this.#operations;
    if (!operations) return;
    const services = rule.service === '*' ? Object.keys(operations) : [rule.service];
    const pattern = globRegExp(rule.action);
    const candidates = services.flatMap((s) => operations[s] ?? []);
    if (candidates.some((op) => pattern.test(op))) return;
    const where = rule.service === '*' ? 'any service' : rule.service;
    let best: string | undefined;
    let bestDistance = 4;
    for (const op of candidates) {
      const d = op.toLowerCase() === rule.action.toLowerCase() ? 0 : editDistance(op, rule.action);
      if (d < bestDistance) [best, bestDistance] = [op, d];
    }
    throw new FaultRuleError(
      `'${rule.action}' matches no operation of ${where}`,
      best
        ? `did you mean ${best}? (operation names are case-sensitive)`
        : 'use an operation name such as UpdateService or a glob such as Describe*',
    );
  }
}
