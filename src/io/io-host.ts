/**
 * Every message ecs-chaos emits goes through an IoHost as a coded message. The library never
 * prints: the CLI renders messages for a terminal or as JSON lines, tests record them.
 */

/** The closed vocabulary of message codes. */
export const IO_CODES = {
  'run.start':
    'the experiment started; data: experimentId, cluster, service, durationSeconds, intervalSeconds, rampTimeSeconds, iterations, plannedSeconds',
  'phase.start': 'a lifecycle phase began; data: phase, iteration?, seconds? (the length of a hold or a ramp)',
  'phase.end': 'a lifecycle phase ended',
  'preflight.check': 'a preflight check passed, warned or failed',
  'mutation.done': 'an AWS mutation was made',
  'mutation.undone': 'an AWS mutation was undone',
  'tasks.observed':
    'the tasks of the service, counted per revision and state; data: counts {arn: {status: n}}, labels {arn: original|chaos}',
  'wait.start': 'waiting for a condition, with its limit',
  'aws.retry': 'an AWS call is retried after a transient error',
  'abort.requested': 'an abort was requested (signal, stop condition, error)',
  'cleanup.running': 'cleanup is running and will not be skipped',
  'conflict.detected': 'someone else changed the service during the experiment',
  'reaction.observed':
    'ECS reacted to the chaos (circuit breaker or alarm rollback, launch failures, crashes); data: kind, count, evidence',
  'lease.changed': 'the run took, lost or released its lease on the service; data: experimentId, state',
  warning: 'something worth knowing that does not stop the run',
  'probe.evaluated':
    'a probe was evaluated; data: probe, type, mode, phase, passed, attempts, actual?, expected, evidence, error?',
  'stop.triggered':
    'a stop condition fired: the chaos stops and the service is restored; data: alarmName, state, reason',
  'verdict.reached': 'the experiment ended with a verdict; data: verdict, probeSuccessPercentage',
  info: 'general information',
} as const;

export type IoCode = keyof typeof IO_CODES;
export type IoLevel = 'debug' | 'info' | 'warn' | 'error';

/** A message to the user. */
export interface IoMessage {
  readonly time: Date;
  readonly level: IoLevel;
  readonly code: IoCode;
  /** One readable line. */
  readonly message: string;
  /** Structured detail for JSON output. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Where messages go. */
export interface IoHost {
  notify(message: IoMessage): void;
}

/** An IoHost that drops everything. */
export const SILENT_IO: IoHost = { notify: () => {} };

/** An IoHost that records messages, for tests. */
export class RecordingIoHost implements IoHost {
  readonly messages: IoMessage[] = [];

  notify(message: IoMessage): void {
    this.messages.push(message);
  }

  /** The messages with the given code. */
  withCode(code: IoCode): IoMessage[] {
    return this.messages.filter((m) => m.code === code);
  }
}

/**
 * An IoHost whose failures never reach the caller: the engine's messages are a report, and a closed
 * pipe, a full disk or a throwing host must not stop a restore. A host that returns a promise (an
 * async writer) has its rejection caught too. The first failure is kept for whoever wants to say so.
 */
export function guardedIo(io: IoHost): IoHost & { readonly failure: unknown } {
  let failure: unknown;
  const keep = (error: unknown): void => {
    failure ??= error;
  };
  return {
    get failure() {
      return failure;
    },
    notify(message) {
      try {
        const answer = io.notify(message) as unknown;
        if (answer instanceof Promise) answer.catch(keep);
      } catch (error) {
        keep(error);
      }
    },
  };
}
