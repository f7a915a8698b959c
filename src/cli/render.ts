/**
 * How the CLI shows what the library tells it: progress on stderr, and the final report or plan on
 * stdout.
 *
 * Progress has three shapes: readable lines with a live status line at the bottom (a terminal),
 * plain readable lines (`--log-format text` into a pipe or a file), and JSON lines (`--log-format
 * json`, and the default when stderr is not a terminal). `--quiet` keeps only warnings and errors.
 */
import type { IoCode, IoHost, IoLevel, IoMessage } from '../io/io-host.js';
import { shortRevision } from '../aws/arn.js';
import { iterationHolds } from '../engine/holds.js';

/** `--log-format`: `auto` is `text` when stderr is a terminal, `json` otherwise. */
export type LogFormat = 'auto' | 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'text', 'json'];

/** How a progress host writes. Everything the terminal decides is injectable, for tests. */
export interface ProgressOptions {
  /** @default 'auto' */
  readonly format?: LogFormat;
  /** Only warnings and errors. */
  readonly quiet?: boolean;
  /** Whether the stream is a terminal. @default the stream's `isTTY` */
  readonly isTTY?: boolean;
  /** The terminal's width; the status line is kept within it. @default the stream's `columns`, read at each redraw */
  readonly columns?: number | (() => number | undefined);
  /** The clock of the status line (elapsed and remaining time). @default the system clock */
  readonly now?: () => Date;
  /** What the `[+12.3s]` of text lines counts from. @default when the host was made */
  readonly start?: Date;
  /** How often the status line is redrawn, in milliseconds; 0 for never (tests redraw with `refresh()`). @default 1000 */
  readonly refreshMs?: number;
}

/** An IoHost writing progress to a stream, which the command closes when it is done. */
export interface ProgressHost extends IoHost {
  /** What it writes: `auto` resolved. */
  readonly format: 'text' | 'json';
  /** Whether it keeps a live status line (a terminal, text, not quiet). */
  readonly live: boolean;
  /**
   * A note that is not an engine message (the demo's introduction, an explanation): as is in
   * text, as one JSON line in json, dropped by `--quiet` unless a warning or an error.
   */
  note(
    text: string,
    options?: { level?: Exclude<IoLevel, 'debug'>; code?: IoCode; data?: Record<string, unknown> },
  ): void;
  /** Redraws the status line now (the timer does it every `refreshMs`). */
  refresh(): void;
  /** Stops the status line and clears it from the screen. Idempotent. */
  close(): void;
}

/** The progress options of a command's flags (`logFormat`, `quiet`). */
export function progressOptions(flags: { readonly logFormat?: unknown; readonly quiet?: unknown }): ProgressOptions {
  const format = LOG_FORMATS.find((f) => f === flags.logFormat) ?? 'auto';
  return { format, quiet: flags.quiet === true };
}

const CLEAR_LINE = '\r\x1b[K';

/** The plan of a run, from `run.start`. Every field may be missing. */
interface RunPlan {
  readonly durationSeconds?: number;
  readonly intervalSeconds?: number;
  readonly rampTimeSeconds?: number;
  readonly iterations?: number;
  readonly plannedSeconds?: number;
}

/** The current phase, from `phase.start`. */
interface PhaseState {
  readonly name: string;
  readonly iteration?: number;
  /** Its length when it has one (a hold, a ramp). */
  readonly seconds?: number;
  /** When it started, in ms. */
  readonly startedAt: number;
  /** The planned seconds after it ends, when the plan is known. */
  readonly after?: number;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The hold of each iteration: the interval, capped by what is left of the duration (as the engine does). */
export function plannedHolds(plan: RunPlan): number[] | undefined {
  const duration = plan.durationSeconds;
  const interval = plan.intervalSeconds;
  if (duration === undefined) return undefined;
  // Without an interval, the whole duration is one hold.
  return iterationHolds(duration, interval !== undefined && interval > 0 ? interval : duration);
}

/**
 * The planned seconds after a phase ends, from the plan: what is left of the holds and the ramps.
 * Rollouts and restores have no planned length and are not counted. `previous` is the phase before,
 * for phases this renderer does not know (their position is taken to be right after it).
 */
export function plannedAfter(
  plan: RunPlan | undefined,
  phase: { readonly name: string; readonly iteration?: number },
  previous?: PhaseState,
): number | undefined {
  if (!plan) return undefined;
  const holds = plannedHolds(plan);
  const ramp = plan.rampTimeSeconds ?? 0;
  const fromIteration = (k: number): number | undefined =>
    holds ? holds.slice(Math.max(0, k - 1)).reduce((a, b) => a + b, 0) + ramp : undefined;
  const k = phase.iteration ?? 1;
  switch (phase.name) {
    case 'preflight':
    case 'pre-chaos':
      return holds ? ramp + fromIteration(1)! : plan.plannedSeconds;
    case 'ramp-up':
      return fromIteration(1);
    case 'inject':
      return fromIteration(k);
    case 'hold':
    case 'revert':
      return fromIteration(k + 1);
    case 'ramp-down':
    case 'verify':
      return 0;
    default:
      return previous ? previous.after : holds ? ramp + fromIteration(1)! : plan.plannedSeconds;
  }
}

/** `1:05`, `1:02:03`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const STATUS_ORDER = ['RUNNING', 'PROVISIONING', 'PENDING', 'ACTIVATING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING'];

/** `orders:1 (original) 2 RUNNING | orders:2 (chaos) 1 RUNNING, 1 PENDING`, from a `tasks.observed` message's data. */
export function describeRevisions(data: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const counts = record(data?.counts);
  if (!counts) return undefined;
  const labels = record(data?.labels) ?? {};
  const rank = (arn: string): number => (labels[arn] === 'original' ? 0 : labels[arn] === 'chaos' ? 1 : 2);
  const parts = Object.keys(counts)
    .map((arn, index) => ({ arn, index }))
    .sort((a, b) => rank(a.arn) - rank(b.arn) || a.index - b.index)
    .map(({ arn }) => {
      const byStatus = record(counts[arn]) ?? {};
      const states = Object.keys(byStatus)
        .filter((status) => num(byStatus[status]) !== undefined)
        .sort((a, b) => {
          const ia = STATUS_ORDER.indexOf(a);
          const ib = STATUS_ORDER.indexOf(b);
          return (ia < 0 ? STATUS_ORDER.length : ia) - (ib < 0 ? STATUS_ORDER.length : ib);
        })
        .map((status) => `${num(byStatus[status])} ${status}`);
      const label = str(labels[arn]);
      return `${shortRevision(arn)}${label ? ` (${label})` : ''} ${states.length > 0 ? states.join(', ') : 'no tasks'}`;
    });
  return parts.length > 0 ? parts.join(' | ') : 'no tasks';
}

/** The readable line of a message: the engine's, or one built from the data of the codes that have it. */
export function messageText(message: IoMessage): string {
  const data = message.data ?? {};
  if (message.code === 'probe.evaluated' && str(data.probe)) {
    const what = [str(data.type), str(data.mode), str(data.phase)].filter((x) => x !== undefined).join(', ');
    const passed = data.passed === true;
    const attempts = num(data.attempts);
    const evidence = str(data.evidence);
    const error = str(data.error);
    const detail = [evidence, !passed && error && !evidence?.includes(error) ? `error: ${error}` : undefined]
      .filter((x) => x !== undefined)
      .join('; ');
    return (
      `probe ${str(data.probe)}${what ? ` (${what})` : ''} ${passed ? 'passed' : 'FAILED'}` +
      `${attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : ''}` +
      `${detail ? `: ${detail}` : str(data.expected) ? `: expected ${str(data.expected)}` : ''}`
    );
  }
  if (message.code === 'stop.triggered' && str(data.alarmName)) {
    const reason = str(data.reason);
    return `stop condition: alarm ${str(data.alarmName)} is ${str(data.state) ?? 'ALARM'}${reason ? ` (${reason})` : ''}; stopping the chaos and restoring the service`;
  }
  return message.message;
}

/** The level a message counts as: a failed probe and a stop condition are warnings whatever the engine said. */
export function effectiveLevel(message: IoMessage): IoLevel {
  const atLeastWarn = message.level === 'debug' || message.level === 'info';
  if (atLeastWarn && message.code === 'probe.evaluated' && message.data?.passed === false) return 'warn';
  if (atLeastWarn && message.code === 'stop.triggered') return 'warn';
  return message.level;
}

function isTerminal(out: NodeJS.WritableStream): boolean {
  return (out as { isTTY?: boolean }).isTTY === true;
}

/** Cuts a line to a width, marking the cut. */
function fit(line: string, columns: number | undefined): string {
  if (columns === undefined || columns <= 0) return line;
  // The last column is left free: a full-width line makes some terminals wrap the cursor.
  const width = Math.max(1, columns - 1);
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * An IoHost writing progress to a stream: text lines (with a live status line on a terminal) or
 * JSON lines; `--quiet` keeps only warnings and errors. Call `close()` when the command ends.
 *
 * @example const io = streamIoHost(process.stderr, { format: 'auto', quiet: false });
 */
export function streamIoHost(out: NodeJS.WritableStream, options: ProgressOptions | LogFormat = {}): ProgressHost {
  const opts: ProgressOptions = typeof options === 'string' ? { format: options } : options;
  const tty = opts.isTTY ?? isTerminal(out);
  const format: 'text' | 'json' =
    opts.format === 'json' || opts.format === 'text' ? opts.format : tty ? 'text' : 'json';
  const quiet = opts.quiet === true;
  const now = opts.now ?? ((): Date => new Date());
  const start = opts.start ?? now();
  const refreshMs = opts.refreshMs ?? 1000;
  const live = tty && format === 'text' && !quiet;
  const columns = (): number | undefined => {
    const c =
      typeof opts.columns === 'function' ? opts.columns() : (opts.columns ?? (out as { columns?: number }).columns);
    return typeof c === 'number' && c > 0 ? c : undefined;
  };

  // The status line.
  let plan: RunPlan | undefined;
  let phase: PhaseState | undefined;
  let revisions: string | undefined;
  /** An abort or a stop condition: what the plan had left will not happen. */
  let stopping = false;
  const probes = new Map<string, boolean>();
  let active = false;
  let closed = false;
  let drawn = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const write = (text: string): void => {
    if (text === '') return;
    try {
      out.write(text);
    } catch {
      // A closed stderr must not break the run.
    }
  };

  /** The status line; `compact` is the shorter wording for a narrow terminal. */
  const composeStatus = (compact: boolean): string => {
    const at = now().getTime();
    const parts: string[] = [];
    if (phase) {
      const total = plan?.iterations ?? plannedHolds(plan ?? {})?.length;
      const of = total !== undefined && phase.iteration !== undefined && total >= phase.iteration;
      const iteration =
        phase.iteration === undefined
          ? ''
          : compact
            ? ` ${phase.iteration}${of ? `/${total}` : ''}`
            : `, iteration ${phase.iteration}${of ? ` of ${total}` : ''}`;
      parts.push(`${phase.name}${iteration}`);
    } else parts.push('starting');
    const elapsed = `${clock(Math.floor((at - start.getTime()) / 1000))}${compact ? '' : ' elapsed'}`;
    let remaining: string | undefined;
    if (stopping) remaining = compact ? 'stopping' : 'stopping, restoring the service';
    else if (phase) {
      const phaseLeft =
        phase.seconds !== undefined ? Math.max(0, phase.seconds - (at - phase.startedAt) / 1000) : undefined;
      if (phase.after !== undefined) {
        const left = phase.after + (phaseLeft ?? 0);
        // A phase without a length (a rollout, a restore) comes on top: the figure is a lower bound.
        if (phaseLeft !== undefined) remaining = `${clock(Math.ceil(left))} left`;
        else if (left > 0) remaining = `~${clock(Math.ceil(left))} left`;
      } else if (phaseLeft !== undefined)
        remaining = `${clock(Math.ceil(phaseLeft))} left${compact ? '' : ` in ${phase.name}`}`;
    } else if (plan?.plannedSeconds !== undefined) remaining = `~${clock(plan.plannedSeconds)} planned`;
    parts.push(remaining ? `${elapsed}, ${remaining}` : elapsed);
    if (revisions) parts.push(revisions);
    if (probes.size > 0) {
      const ok = [...probes.values()].filter(Boolean).length;
      parts.push(`probes ${ok}/${probes.size} ${compact ? 'ok' : 'passing'}`);
    }
    return parts.join(' | ');
  };

  const statusLine = (): string => {
    if (!phase && !plan) return '';
    const width = columns();
    const full = composeStatus(false);
    return width === undefined || full.length < width ? full : fit(composeStatus(true), width);
  };

  const stop = (): void => {
    active = false;
    if (timer) clearInterval(timer);
    timer = undefined;
    if (drawn) write(CLEAR_LINE);
    drawn = false;
  };

  const refresh = (): void => {
    if (!active) return;
    const status = statusLine();
    if (status === '' && !drawn) return;
    write(`${CLEAR_LINE}${status}`);
    drawn = status !== '';
  };

  /** One readable line, above the status line. */
  const line = (text: string): void => {
    if (!active) {
      write(`${text}\n`);
      return;
    }
    const status = statusLine();
    write(`${drawn ? CLEAR_LINE : ''}${text}\n${status}`);
    drawn = status !== '';
  };

  /** A phase with what the plan knows: its length when the engine did not say it, the planned time after it. */
  const derivePhase = (
    base: { readonly name: string; readonly iteration?: number; readonly seconds?: number; readonly startedAt: number },
    previous: PhaseState | undefined,
  ): PhaseState => {
    let seconds = base.seconds;
    if (seconds === undefined && plan) {
      if (base.name === 'hold') seconds = plannedHolds(plan)?.[(base.iteration ?? 1) - 1];
      if ((base.name === 'ramp-up' || base.name === 'ramp-down') && plan.rampTimeSeconds)
        seconds = plan.rampTimeSeconds;
    }
    const after = plannedAfter(plan, base, previous);
    return {
      name: base.name,
      ...(base.iteration !== undefined ? { iteration: base.iteration } : {}),
      ...(seconds !== undefined ? { seconds } : {}),
      startedAt: base.startedAt,
      ...(after !== undefined ? { after } : {}),
    };
  };

  const track = (message: IoMessage): void => {
    const data = message.data ?? {};
    const at = message.time.getTime();
    switch (message.code) {
      case 'run.start':
        plan = {
          ...(num(data.durationSeconds) !== undefined ? { durationSeconds: num(data.durationSeconds) } : {}),
          ...(num(data.intervalSeconds) !== undefined ? { intervalSeconds: num(data.intervalSeconds) } : {}),
          ...(num(data.rampTimeSeconds) !== undefined ? { rampTimeSeconds: num(data.rampTimeSeconds) } : {}),
          ...(num(data.iterations) !== undefined ? { iterations: num(data.iterations) } : {}),
          ...(num(data.plannedSeconds) !== undefined ? { plannedSeconds: num(data.plannedSeconds) } : {}),
        };
        // A phase that began before the plan was known: its length and what follows it, again.
        if (phase) phase = derivePhase(phase, undefined);
        break;
      case 'phase.start': {
        const iteration = num(data.iteration);
        const seconds = num(data.seconds);
        phase = derivePhase(
          {
            name: str(data.phase) ?? 'running',
            ...(iteration !== undefined ? { iteration } : {}),
            ...(seconds !== undefined ? { seconds } : {}),
            startedAt: at,
          },
          phase,
        );
        break;
      }
      case 'abort.requested':
      case 'stop.triggered':
      case 'cleanup.running':
        stopping = true;
        break;
      case 'tasks.observed':
        revisions = describeRevisions(data) ?? revisions;
        break;
      case 'probe.evaluated':
        if (str(data.probe) && typeof data.passed === 'boolean') probes.set(str(data.probe)!, data.passed);
        break;
      default:
        break;
    }
  };

  const emit = (
    level: IoLevel,
    code: IoCode,
    text: string,
    time: Date,
    data?: Readonly<Record<string, unknown>>,
  ): void => {
    if (format === 'json') {
      write(`${JSON.stringify({ time: time.toISOString(), level, code, message: text, ...(data ? { data } : {}) })}\n`);
      return;
    }
    const elapsed = ((time.getTime() - start.getTime()) / 1000).toFixed(1).padStart(6);
    const tag = code === 'phase.start' ? '==' : level === 'warn' ? '!!' : level === 'error' ? 'XX' : '  ';
    line(`[+${elapsed}s] ${tag} ${text}`);
  };

  return {
    format,
    live,
    notify(message: IoMessage): void {
      if (message.level === 'debug') return;
      const level = effectiveLevel(message);
      if (live && !closed) {
        track(message);
        if (message.code === 'verdict.reached') {
          // The run is over: the verdict and the report follow as plain lines.
          closed = true;
          stop();
        } else if (!active && (phase || plan)) {
          active = true;
          if (refreshMs > 0) {
            timer = setInterval(refresh, refreshMs);
            timer.unref?.();
          }
        }
      }
      if (quiet && level !== 'warn' && level !== 'error') return;
      if (format === 'json') emit(message.level, message.code, message.message, message.time, message.data);
      else emit(level, message.code, messageText(message), message.time);
    },
    note(text, noteOptions = {}): void {
      const level = noteOptions.level ?? 'info';
      if (quiet && level === 'info') return;
      const lines = text.replace(/\n$/, '').split('\n');
      if (format === 'text') {
        for (const l of lines) line(l);
        return;
      }
      // One JSON line per line of text (blank lines dropped); the data goes with the first.
      const code = noteOptions.code ?? (level === 'info' ? 'info' : 'warning');
      lines
        .filter((l) => l.trim() !== '')
        .forEach((l, i) => emit(level, code, l, now(), i === 0 ? noteOptions.data : undefined));
    },
    refresh,
    close(): void {
      closed = true;
      stop();
    },
  };
}
