/** The exit code of a finished experiment. */
import type { ExperimentResult } from '../report/result.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * 0 Pass; 1 Fail or Error with everything restored; 3 Stopped (aborted) and restored; 4 whenever
 * something is left to recover, whatever the verdict.
 */
export function exitCodeOf(result: ExperimentResult): ExitCode {
  if (!result.residue.clean) return EXIT.needsRecovery;
  switch (result.verdict) {
    case 'Pass':
      return EXIT.ok;
    case 'Stopped':
      return EXIT.abortedRestored;
    default:
      return EXIT.verdictFailed;
  }
}
