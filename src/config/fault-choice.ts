import { InvalidInputError } from '../errors.js';
import { FAULTS, type FaultName } from './spec.js';
import type { RawValue } from './sources.js';

/**
 * The fault to run: the command line's, else the experiment file's, else the only one. Both are
 * validated whenever they are given, so a file naming an unknown fault is never silently overridden
 * by the command line.
 */
export function resolveFault(fromCommandLine: string | undefined, fromFile: RawValue | undefined): FaultName {
  const known = `known faults: ${FAULTS.join(', ')}`;
  const isFault = (text: string): text is FaultName => (FAULTS as readonly string[]).includes(text);
  if (fromCommandLine !== undefined && !isFault(fromCommandLine))
    throw new InvalidInputError(
      'fault',
      fromCommandLine,
      `is not a fault ecs-chaos knows (${known})`,
      `run ecs-chaos run ${FAULTS[0]}`,
      { source: 'command line' },
    );
  let fileFault: FaultName | undefined;
  if (fromFile !== undefined) {
    const value = fromFile.value;
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || !isFault(text))
      throw new InvalidInputError(
        'fault',
        value,
        `is not a fault ecs-chaos knows (${known})`,
        `write fault: ${FAULTS[0]}, or remove the fault key`,
        { source: fromFile.source },
      );
    fileFault = text;
  }
  if (fromCommandLine !== undefined && fileFault !== undefined && fromCommandLine !== fileFault)
    throw new InvalidInputError(
      'fault',
      fileFault,
      `is the experiment file's fault, but the command line runs ${fromCommandLine}`,
      `run ecs-chaos run ${fileFault}, or change the file's fault to ${fromCommandLine}`,
      { source: fromFile!.source },
    );
  return fromCommandLine ?? fileFault ?? FAULTS[0];
}
