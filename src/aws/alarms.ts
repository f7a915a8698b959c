/** Reading CloudWatch alarm states, for stop conditions and alarm probes. */
import type { CloudWatchPort } from './ports.js';

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;

/** The states of the alarms, by name; a name missing from the map does not exist. */
export async function alarmStates(
  cloudwatch: CloudWatchPort,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, { state: string; reason: string }>> {
  const states = new Map<string, { state: string; reason: string }>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    let nextToken: string | undefined;
    do {
      const out = await cloudwatch.describeAlarms(
        {
          AlarmNames: names.slice(i, i + NAMES_PER_CALL),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken: nextToken,
        },
        signal ? { abortSignal: signal } : {},
      );
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (a.AlarmName) states.set(a.AlarmName, { state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason ?? '' });
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }
  return states;
}
