/**
 * Loads the sandbox, a separate entry point of the package (`ecs-chaos/sandbox`). `src/` never
 * imports `sandbox/` at build time; the CLI's `sandbox` and `demo` commands load it at run time.
 */

/** A fault rule as the sandbox's `parseFaultRule` returns it; the CLI passes it on unread. */
export type SandboxFaultRule = object;

/**
 * The sandbox's `FaultRuleError`, recognised by its name (the CLI and the sandbox are separate
 * bundles): what is wrong with a rule, how to fix it, and the rule's position in a list.
 */
export interface SandboxFaultRuleError extends Error {
  readonly name: 'FaultRuleError';
  readonly problem: string;
  readonly fix: string;
  readonly index: number | undefined;
}

/** True for the sandbox's `FaultRuleError`. */
export function isFaultRuleError(err: unknown): err is SandboxFaultRuleError {
  return err instanceof Error && err.name === 'FaultRuleError' && 'problem' in err && 'fix' in err;
}

/** The part of the sandbox's API the CLI uses. */
export interface SandboxModule {
  startSandbox(
    this: void,
    options: {
      port?: number;
      scenario?: 'demo' | 'empty';
      pace?: 'fast' | 'realistic';
      latencyMs?: number;
      faults?: readonly SandboxFaultRule[];
      faultSeed?: number;
    },
  ): Promise<{
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    faults: { readonly seed: number; list(): readonly { readonly id: string; readonly text: string }[] };
    close(this: void): Promise<void>;
  }>;
  /** Parses the text syntax of `--fault`; throws a `FaultRuleError`. */
  parseFaultRule(this: void, text: string): SandboxFaultRule;
}

const SANDBOX_MODULE = 'ecs-chaos/sandbox';

/** Loads the sandbox module (`ecs-chaos/sandbox`) at run time. */
export async function loadSandbox(): Promise<SandboxModule> {
  return (await import(SANDBOX_MODULE)) as SandboxModule;
}
