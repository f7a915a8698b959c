/** Reads an experiment file (YAML or JSON) and checks its structure, with the file line of every value. */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { shownValue } from '../probes/parse.js';
import {
  FAULT_FIELD_LIST,
  FIELDS,
  FIELD_LIST,
  fieldName,
  type FaultFieldKey,
  type FieldDefinition,
  type FieldKey,
} from './fields.js';
import { editDistance } from './shared.js';
import type { ExperimentFile, RawValue } from './sources.js';

/** The field name of errors about the experiment file itself. */
const FILE_FIELD = '--file';
const TARGET_KEYS = ['cluster', 'service', 'region'] as const satisfies readonly FieldKey[];

/** The cap of an experiment file's size: 1 MiB, far above any real experiment (a few KiB). */
const MAX_EXPERIMENT_FILE_BYTES = 1024 * 1024;

/**
 * The cap of the nodes YAML aliases may expand to (the `yaml` library's maxAliasCount): a few
 * aliases of small anchors are fine; a billion-laughs document (anchors of aliases of anchors)
 * would expand to billions of nodes and is refused before anything walks it.
 */
const MAX_ALIAS_COUNT = 100;

function refuseAliasBomb(
  doc: Document,
  path: string,
  fileError: (problem: string, fix: string) => InvalidInputError,
): void {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (/excessive alias/i.test((err as Error).message))
      throw fileError(
        `its YAML aliases expand too much (${(err as Error).message.split('\n')[0]}): a YAML alias bomb is refused`,
        `write the values out in ${path} instead of nesting aliases of anchors (at most ${MAX_ALIAS_COUNT} expanded nodes)`,
      );
    throw err;
  }
}

/** Reads an experiment file and checks its structure: a mapping of known keys, each given once. */
export function readExperimentFile(path: string, cwd: string): ExperimentFile {
  const absolute = resolve(cwd, path);
  const baseDir = dirname(absolute);
  const fileError = (problem: string, fix: string, source = `flag ${FILE_FIELD}`, value: unknown = path) =>
    new InvalidInputError(FILE_FIELD, value, problem, fix, { source });
  const fixFile = 'pass the path of a YAML or JSON experiment file';
  let text: string;
  try {
    // The size is checked before the file is read: an experiment file is a few KiB.
    const size = statSync(absolute).isFile() ? statSync(absolute).size : 0;
    if (size > MAX_EXPERIMENT_FILE_BYTES)
      throw fileError(
        `the experiment file is ${size} bytes, over the cap of 1 MiB (${MAX_EXPERIMENT_FILE_BYTES} bytes)`,
        `pass an experiment file of at most 1 MiB; ${path} is not one`,
      );
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileError('the experiment file does not exist', fixFile);
    if (code === 'EISDIR') throw fileError('is a directory, not an experiment file', fixFile);
    if (code === 'EACCES' || code === 'EPERM')
      throw fileError(
        'the experiment file cannot be read (permission denied)',
        'make the file readable by the user running ecs-chaos',
      );
    throw fileError(`the experiment file cannot be read (${code ?? 'unknown error'})`, fixFile);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const at = (line: number) => `${path} line ${line}`;
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = syntaxError.linePos?.[0]?.line ?? lineOf(syntaxError.pos[0]);
    const reason = syntaxError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? syntaxError.code;
    const lineText = (text.split(/\r?\n/)[line - 1] ?? '').trim();
    throw fileError(
      `is not valid YAML or JSON: ${reason}`,
      `correct line ${line} of ${path}`,
      at(line),
      lineText.length > 80 ? `${lineText.slice(0, 80)}...` : lineText,
    );
  }
  refuseAliasBomb(doc, path, fileError);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null))
    throw fileError('the experiment file is empty', `write a mapping such as "cluster: prod" in ${path}`, at(1), '');
  if (!isMap(root))
    throw fileError(
      `the experiment file must be a mapping of keys to values, not ${isSeq(root) ? 'a list' : 'a single value'}`,
      `write a mapping such as "cluster: prod" in ${path}`,
      at(lineOf(root.range?.[0])),
      safeJs(root, doc),
    );

  let fault: RawValue | undefined;
  let probes: unknown;
  let stopConditions: unknown;
  const lines = new Map<string, number>();
  const values = new Map<FieldKey | FaultFieldKey, RawValue>();
  const byFileKey = new Map<string, FieldDefinition>();
  for (const field of [...FIELD_LIST, ...FAULT_FIELD_LIST]) for (const key of field.fileKeys) byFileKey.set(key, field);

  const take = (field: FieldDefinition, fileKey: string, valueNode: unknown, line: number): void => {
    const previous = values.get(field.key as FieldKey | FaultFieldKey);
    const value = valueOf(valueNode, doc);
    if (previous)
      throw new InvalidInputError(
        fieldName(field),
        value,
        `is given twice in the experiment file (also as ${previous.fileKey} at ${previous.source})`,
        `keep one of ${previous.fileKey} and ${fileKey}`,
        { source: at(line) },
      );
    values.set(field.key as FieldKey | FaultFieldKey, { value, source: at(line), origin: 'file', baseDir, fileKey });
  };

  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const line = lineOf(keyNode?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]);
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string')
      throw fileError(
        'has a key that is not text',
        `use keys such as cluster or CLUSTER_NAME`,
        at(line),
        safeJs(keyNode, doc),
      );
    const key = keyNode.value;
    if (key === 'fault') {
      fault = { value: valueOf(pair.value, doc), source: at(line), origin: 'file', baseDir, fileKey: key };
      continue;
    }
    if (key === 'probes' || key === 'stopConditions') {
      lines.set(key, line);
      mapLines(pair.value, key, lines, lineOf, doc);
      if (key === 'probes') probes = valueOf(pair.value, doc);
      else stopConditions = valueOf(pair.value, doc);
      continue;
    }
    if (key === 'target') {
      const target = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      if (!isMap(target))
        throw new InvalidInputError(
          'target',
          valueOf(pair.value, doc),
          'must be a mapping of cluster, service and region',
          'write target: {cluster: NAME, service: NAME, region: REGION}',
          { source: at(line) },
        );
      for (const inner of target.items) {
        const innerKey = inner.key as Node | null;
        const innerLine = lineOf(innerKey?.range?.[0]);
        const name =
          isScalar(innerKey) && typeof innerKey.value === 'string' ? innerKey.value : String(safeJs(innerKey, doc));
        const field = TARGET_KEYS.map((k) => FIELDS[k] as FieldDefinition).find((f) => f.fileKeys.includes(name));
        if (!field) throw unknownKey(name, valueOf(inner.value, doc), at(innerLine), [...TARGET_KEYS], 'target');
        take(field, `target.${name}`, inner.value, innerLine);
      }
      continue;
    }
    const field = byFileKey.get(key);
    if (!field)
      throw unknownKey(key, valueOf(pair.value, doc), at(line), [
        'fault',
        'target',
        'probes',
        'stopConditions',
        ...byFileKey.keys(),
      ]);
    take(field, key, pair.value, line);
  }
  const sourceOf = (keyPath: string): string | undefined => {
    // The nearest enclosing path with a known line: `probes[0].http.url`, then `probes[0].http`...
    for (let p = keyPath; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
      const found = lines.get(p);
      if (found !== undefined) return at(found);
      if (!/(\.[^.[\]]+|\[\d+\])$/.test(p)) break;
    }
    return undefined;
  };
  return { fault, values, probes, stopConditions, sourceOf };
}

/** Records the line of every key path under a node: `probes[0]`, `probes[0].http`, `probes[0].http.url`... */
function mapLines(
  node: unknown,
  path: string,
  lines: Map<string, number>,
  lineOf: (offset: number | undefined) => number,
  doc: Document,
): void {
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) {
    for (const pair of target.items) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode)) continue;
      const child = `${path}.${String(keyNode.value)}`;
      lines.set(child, lineOf(keyNode.range?.[0]));
      mapLines(pair.value, child, lines, lineOf, doc);
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, i) => {
      const child = `${path}[${i}]`;
      lines.set(child, lineOf((item as Node | null)?.range?.[0]));
      mapLines(item, child, lines, lineOf, doc);
    });
  }
}

function unknownKey(
  key: string,
  value: unknown,
  source: string,
  known: readonly string[],
  within?: string,
): InvalidInputError {
  const suggestion = closest(key, known);
  const where = within ? ` of ${within}` : ' of an experiment file';
  // An unknown key's value is shown only when it is a short scalar: a misspelt key may hold a secret
  // mapping (headers: {Authorization: ...}); a long value is cut at 300 characters.
  return new InvalidInputError(
    shownValue(key) as string,
    value !== null && typeof value === 'object' ? '(value not shown)' : shownValue(value),
    `is not a key${where}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
    suggestion
      ? `rename it to ${suggestion}`
      : `use one of ${known.filter((k) => !/^[A-Z_]+$/.test(k)).join(', ')} (or a field's env var name)`,
    { source },
  );
}

/** The known key nearest to `key` (case-insensitive edit distance), if near enough to be a typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** The plain value of a YAML node: scalars as they are, collections as JS, aliases resolved. */
function valueOf(node: unknown, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isScalar(target)) return target.value;
  return safeJs(target, doc);
}

function safeJs(node: unknown, doc: Document): unknown {
  try {
    return node && typeof node === 'object' && 'toJS' in node ? (node as Node).toJS(doc) : node;
  } catch {
    return String(node);
  }
}
