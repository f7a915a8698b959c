/** Test support: a sandbox on loopback and real AWS SDK v3 clients pointed at it. */
import { CreateServiceCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';

export interface Clients {
  readonly ecs: ECSClient;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Real SDK clients for the sandbox, with the given credentials (the administrator's by default). */
export function clientsFor(sandbox: Sandbox, credentials: Credentials = sandbox.credentials): Clients {
  const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials, maxAttempts: 1 };
  return { ecs: new ECSClient(config), iam: new IAMClient(config), sts: new STSClient(config) };
}

/**
 * ECS's eventual consistency for every sandbox of a test run: `SANDBOX_EVENTUAL_CONSISTENCY=1` (lag
 * 1000 ms) or a lag in milliseconds, e.g. `SANDBOX_EVENTUAL_CONSISTENCY=1500 node scripts/test.mjs
 * test/integration/fault-run.test.ts`. A test's own `eventualConsistency` option wins.
 */
export function eventualConsistencyFromEnv(): SandboxOptions['eventualConsistency'] {
  const value = process.env.SANDBOX_EVENTUAL_CONSISTENCY;
  if (!value || value === '0' || value === 'false') return undefined;
  const lagMs = Number(value);
  return value === '1' || value === 'true' || !Number.isFinite(lagMs) ? true : { lagMs };
}

/** Starts a sandbox and its clients. */
export async function withSandbox(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox } & Clients> {
  const fromEnv = eventualConsistencyFromEnv();
  const sandbox = await startSandbox(
    fromEnv !== undefined && options.eventualConsistency === undefined
      ? { ...options, eventualConsistency: fromEnv }
      : options,
  );
  return { sandbox, ...clientsFor(sandbox) };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 10_000, everyMs = 25 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Asserts that a promise rejects with an SDK error of the given name, and returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  name: string,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    const error = err as Error;
    if (error.name !== name) {
      throw new Error(`expected ${name}, got ${error.name}: ${error.message}`, { cause: err });
    }
    return error;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}

/** Waits until a service's only deployment is COMPLETED with all its tasks running. */
export async function waitSteady(
  ecs: import('@aws-sdk/client-ecs').ECSClient,
  cluster: string,
  service: string,
  timeoutMs = 15_000,
): Promise<void> {
  const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  await waitFor(
    `${cluster}/${service} to be steady`,
    async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
      const d = s?.deployments ?? [];
      return d.length === 1 && d[0]!.rolloutState === 'COMPLETED' && s!.runningCount === s!.desiredCount
        ? true
        : undefined;
    },
    { timeoutMs },
  );
}

/**
 * Moves a sandbox's manual clock by `stepMs` (default: one scheduler tick) at a time until `check`
 * answers; at most `steps` steps.
 */
export async function stepUntil<T>(
  sandbox: { readonly world: { readonly pace: { readonly tickMs: number } } },
  clock: { advance(ms: number): unknown },
  what: string,
  check: () => Promise<T | undefined>,
  steps = 500,
  stepMs?: number,
): Promise<T> {
  for (let i = 0; i <= steps; i++) {
    const value = await check();
    if (value !== undefined) return value;
    clock.advance(stepMs ?? sandbox.world.pace.tickMs);
  }
  throw new Error(`${what}: not within ${steps} steps of the sandbox's clock`);
}

/**
 * The load-balanced service `web` of the demo cluster: 2 Fargate tasks of a new `web` family,
 * container `web` on port 8080 registered in `targetGroupArn` (give its health check to the sandbox).
 */
export async function createWebService(ecs: ECSClient, targetGroupArn: string): Promise<void> {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'demo',
      serviceName: 'web',
      taskDefinition,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 8080 }],
    }),
  );
}

/** `web` steady, and ListTasks showing its 2 tasks (with eventual consistency on, after the lag), as preflight needs. */
export async function waitWebListed(ecs: ECSClient): Promise<void> {
  await waitSteady(ecs, 'demo', 'web');
  await waitFor(
    "ListTasks showing web's 2 tasks",
    async () =>
      (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web' }))).taskArns!.length === 2
        ? true
        : undefined,
    { timeoutMs: 60_000 },
  );
}
