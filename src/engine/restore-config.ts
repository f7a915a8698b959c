/**
 * The deployment configuration a restore puts back, field by field, as a three-way merge of what the
 * service has now, what it had before the run and what the chaos window set:
 *
 * - a field as the chaos window set it goes back to the original;
 * - a field as the original had it stays;
 * - a field that is neither is someone else's mid-run change: it stays, and it is reported.
 *
 * Fields: the limits (maximumPercent with minimumHealthyPercent), the circuit breaker, the alarms.
 */
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';

/** What the restore sends and what it keeps of someone else's. */
export interface ConfigurationRestore {
  /** The configuration to send with UpdateService; undefined when nothing needs to change. */
  readonly send: DeploymentConfiguration | undefined;
  /** Someone else's changes kept, one line each (empty when none). */
  readonly foreign: readonly string[];
}

const limits = (c: DeploymentConfiguration | undefined): string =>
  `maximumPercent ${c?.maximumPercent ?? '-'}, minimumHealthyPercent ${c?.minimumHealthyPercent ?? '-'}`;
const breaker = (c: DeploymentConfiguration | undefined): string => {
  // Absent reads as off: DescribeServices may show the default explicitly.
  const b = c?.deploymentCircuitBreaker;
  return `circuit breaker ${b?.enable ? 'on' : 'off'}, rollback ${b?.rollback ? 'on' : 'off'}`;
};
const alarms = (c: DeploymentConfiguration | undefined): string => {
  const a = c?.alarms;
  if (!a || (!a.enable && (a.alarmNames ?? []).length === 0)) return 'no deployment alarms';
  return `alarms ${[...(a.alarmNames ?? [])].sort().join(',') || '(none)'} ${a.enable ? 'on' : 'off'}, rollback ${a.rollback ? 'on' : 'off'}`;
};

/** The fields a restore looks at, each read as the words that name its setting. */
const SETTINGS = { limits, breaker, alarms } as const;

/** A field of the deployment configuration a restore looks at. */
export type DeploymentSetting = keyof typeof SETTINGS;

/**
 * Whether two configurations agree on `settings` (default: every field a restore looks at: the
 * limits, the circuit breaker, the alarms), each read as the restore reads it (absent reads as off).
 */
export function sameDeploymentSettings(
  a: DeploymentConfiguration | undefined,
  b: DeploymentConfiguration | undefined,
  settings: readonly DeploymentSetting[] = ['limits', 'breaker', 'alarms'],
): boolean {
  return settings.every((setting) => SETTINGS[setting](a) === SETTINGS[setting](b));
}

/** Decides the configuration a restore sends. */
export function restoreConfiguration(
  current: DeploymentConfiguration | undefined,
  original: DeploymentConfiguration | undefined,
  chaos: DeploymentConfiguration,
): ConfigurationRestore {
  const want = original ?? { maximumPercent: 200, minimumHealthyPercent: 100 };
  const foreign: string[] = [];
  let send: DeploymentConfiguration | undefined;
  const now = limits(current);
  if (now === limits(chaos) && now !== limits(want)) {
    send = {
      ...current,
      maximumPercent: want.maximumPercent,
      minimumHealthyPercent: want.minimumHealthyPercent,
    };
  } else if (now !== limits(want)) {
    foreign.push(`${now} (was ${limits(want)}, ${limits(chaos)} during the chaos)`);
  }
  for (const describe of [breaker, alarms]) {
    // The chaos window keeps both as they were: any other value is someone else's.
    if (describe(current) !== describe(want)) foreign.push(`${describe(current)} (was ${describe(want)})`);
  }
  return { send, foreign };
}

/** The conflict line for someone else's configuration change, kept. */
export function configurationConflict(service: string, foreign: readonly string[]): string {
  return `someone changed the deployment configuration of ${service} during the run (${foreign.join('; ')}): ecs-chaos kept it`;
}
