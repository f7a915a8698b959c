/** The CLI's exit codes: a contract with scripts and CI systems. */
export const EXIT = {
  /** The experiment passed (or the command succeeded). */
  ok: 0,
  /** The experiment ran and its verdict failed. */
  verdictFailed: 1,
  /** Invalid input or a failed preflight: nothing was changed. */
  invalidInput: 2,
  /** Aborted (signal or stop condition) and restored. */
  abortedRestored: 3,
  /** An error after which something may be left to recover; the message names the recover command. */
  needsRecovery: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
