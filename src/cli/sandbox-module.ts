/**
 * Loads the sandbox, a separate entry point of the package (`ecs-chaos/sandbox`). `src/` never
 * imports `sandbox/` at build time; the CLI's `sandbox` and `demo` commands load it at run time.
 */

/** The part of the sandbox's API the CLI uses. */
export interface SandboxModule {
  startSandbox(
    this: void,
    options: {
      port?: number;
      scenario?: 'demo' | 'empty';
      pace?: 'fast' | 'realistic';
      latencyMs?: number;
    },
  ): Promise<{
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    close(this: void): Promise<void>;
  }>;
}

const SANDBOX_MODULE = 'ecs-chaos/sandbox';

export async function loadSandbox(): Promise<SandboxModule> {
  return (await import(SANDBOX_MODULE)) as SandboxModule;
}
