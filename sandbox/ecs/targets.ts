/**
 * Target groups as ECS sees them. Of the Elastic Load Balancing API the sandbox answers only
 * DescribeTargetHealth (elb/service.ts). A service names target groups by ARN in `loadBalancers`,
 * and every target group has ELB's defaults unless a scenario, a `startSandbox({ targetGroups })`
 * option or `sandbox.world.targetGroups.configure()` sets its health check and deregistration delay.
 */

/** The settings of a target group that decide how long ECS waits on it, in seconds on AWS. */
export interface TargetGroupSettings {
  /** How long a deregistering target drains before it is unused (`deregistration_delay.timeout_seconds`). @default 300 */
  readonly deregistrationDelaySeconds: number;
  /** Consecutive passed checks before a target is healthy (`HealthyThresholdCount`). @default 5 */
  readonly healthyThresholdCount: number;
  /** Consecutive failed checks before a target is unhealthy (`UnhealthyThresholdCount`). @default 2 */
  readonly unhealthyThresholdCount: number;
  /** Seconds between two checks of a target (`HealthCheckIntervalSeconds`). @default 30 */
  readonly intervalSeconds: number;
}

/** ELB's defaults for an HTTP target group of type `ip` or `instance` (the elbv2 API reference). */
export const TARGET_GROUP_DEFAULTS: TargetGroupSettings = {
  deregistrationDelaySeconds: 300,
  healthyThresholdCount: 5,
  unhealthyThresholdCount: 2,
  intervalSeconds: 30,
};

/** ELB's bounds of each setting. */
const BOUNDS: Readonly<Record<keyof TargetGroupSettings, readonly [number, number]>> = {
  deregistrationDelaySeconds: [0, 3600],
  healthyThresholdCount: [2, 10],
  unhealthyThresholdCount: [2, 10],
  intervalSeconds: [5, 300],
};

const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

/** Whether a string is the ARN of an ELBv2 target group. */
export function isTargetGroupArn(value: string): boolean {
  return TARGET_GROUP_ARN.test(value);
}

/** The target groups' settings, by ARN. */
export class TargetGroups {
  readonly #settings = new Map<string, TargetGroupSettings>();

  /**
   * Sets some settings of a target group (the others keep their value, ELB's default at first).
   * Throws on an ARN that is not a target group's or a value outside ELB's bounds.
   */
  configure(targetGroupArn: string, settings: Partial<TargetGroupSettings>): TargetGroupSettings {
    if (!isTargetGroupArn(targetGroupArn)) {
      throw new Error(
        `'${targetGroupArn}' is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/16 hex digits)`,
      );
    }
    for (const [key, value] of Object.entries(settings) as Array<[keyof TargetGroupSettings, unknown]>) {
      const bounds = BOUNDS[key];
      if (!bounds) throw new Error(`unknown target group setting '${key}': use ${Object.keys(BOUNDS).join(', ')}`);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds[0] || value > bounds[1]) {
        throw new Error(`${key} must be an integer from ${bounds[0]} to ${bounds[1]} (got ${String(value)})`);
      }
    }
    const next = { ...this.get(targetGroupArn), ...settings };
    this.#settings.set(targetGroupArn, next);
    return next;
  }

  /** A target group's settings: the configured ones, else ELB's defaults. */
  get(targetGroupArn: string): TargetGroupSettings {
    return this.#settings.get(targetGroupArn) ?? TARGET_GROUP_DEFAULTS;
  }

  /** The configured target groups. */
  list(): Array<{ targetGroupArn: string } & TargetGroupSettings> {
    return [...this.#settings].map(([targetGroupArn, s]) => ({ targetGroupArn, ...s }));
  }
}
