/**
 * `ecs-chaos report RESULT.json --html OUT.html --junit OUT.xml`: renders a result file (written by
 * `--result-file`) as a self-contained HTML page and/or JUnit XML. Reads files only; no AWS call.
 */
import { readFile } from 'node:fs/promises';
import { renderHtmlReport } from '../../report/html.js';
import { renderJunitReport } from '../../report/junit.js';
import { RESULT_SCHEMA_VERSION, type ExperimentResult } from '../../report/result.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { writeAtomically } from '../write-atomically.js';

/** What `ecs-chaos report` reads from the command line. */
export interface ReportCommandInput {
  /** The positional arguments: exactly one, the result file. */
  readonly args: readonly string[];
  /** `--html FILE` and `--junit FILE`; at least one. */
  readonly flags: { readonly html?: string; readonly junit?: string };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** A result file that cannot be read as an ecs-chaos result. */
export class ResultFileError extends Error {
  override readonly name = 'ResultFileError';
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads and checks a result file: it must exist, be JSON, carry the schema version this build
 * reads, and have the fields the reports need. Throws {@link ResultFileError} with a clear message.
 */
export async function readResultFile(path: string): Promise<ExperimentResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ResultFileError(
      code === 'ENOENT'
        ? `${path}: no such file`
        : code === 'EISDIR'
          ? `${path}: is a directory, not a result file`
          : `${path}: cannot be read: ${(err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ResultFileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw new ResultFileError(`${path}: not an ecs-chaos result (expected a JSON object)`);
  if (parsed.schemaVersion !== RESULT_SCHEMA_VERSION) {
    throw new ResultFileError(
      `${path}: schemaVersion ${JSON.stringify(parsed.schemaVersion) ?? 'missing'}; this ecs-chaos reads schemaVersion ${RESULT_SCHEMA_VERSION}`,
    );
  }
  const missing: string[] = [];
  for (const key of ['experimentId', 'fault', 'startedAt', 'verdict', 'verdictReason'])
    if (typeof parsed[key] !== 'string') missing.push(key);
  for (const key of ['timeline', 'mutations', 'iterations', 'conflicts'])
    if (!Array.isArray(parsed[key])) missing.push(key);
  for (const key of ['tool', 'target', 'effect', 'exposure', 'residue']) if (!isObject(parsed[key])) missing.push(key);
  if (isObject(parsed.effect) && !Array.isArray(parsed.effect.notes)) missing.push('effect.notes');
  if (isObject(parsed.residue) && !Array.isArray(parsed.residue.items)) missing.push('residue.items');
  if (Array.isArray(parsed.timeline) && !parsed.timeline.every((t) => isObject(t) && typeof t.time === 'string'))
    missing.push('timeline[].time');
  if (missing.length > 0)
    throw new ResultFileError(`${path}: not an ecs-chaos result: missing or malformed ${missing.join(', ')}`);
  return parsed as unknown as ExperimentResult;
}

/**
 * `ecs-chaos report RESULT.json [--html OUT.html] [--junit OUT.xml]`: exit 0 when the reports are
 * written (whatever the verdict), 2 for a missing, malformed or wrong-version result file, no output
 * asked for, or an output that cannot be written.
 */
export async function reportCommand(input: ReportCommandInput): Promise<ExitCode> {
  const fail = (message: string): ExitCode => {
    input.stderr.write(`report: ${message}\n`);
    return EXIT.invalidInput;
  };
  if (input.args.length !== 1) return fail('expected exactly one argument, the result file (RESULT.json)');
  const { html, junit } = input.flags;
  if (!html && !junit) return fail('nothing to write: give --html OUT.html and/or --junit OUT.xml');

  let result: ExperimentResult;
  try {
    result = await readResultFile(input.args[0]!);
  } catch (err) {
    if (err instanceof ResultFileError) return fail(err.message);
    throw err;
  }

  const outputs: { kind: string; path: string; render: (r: ExperimentResult) => string }[] = [];
  if (html) outputs.push({ kind: 'HTML report', path: html, render: renderHtmlReport });
  if (junit) outputs.push({ kind: 'JUnit report', path: junit, render: renderJunitReport });
  for (const output of outputs) {
    let written: string;
    try {
      written = await writeAtomically(output.path, output.render(result));
    } catch (err) {
      return fail(`cannot write ${output.path}: ${(err as Error).message}`);
    }
    input.stdout.write(`${output.kind} written to ${written}\n`);
  }
  return EXIT.ok;
}
