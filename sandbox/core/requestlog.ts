/** Every AWS call the sandbox answered, in order, for tests and for `/_sandbox/requests`. */

/** A fault that struck a call (see sandbox/core/faults.ts). */
export interface RequestFault {
  /** The id of the rule, e.g. `f1`. */
  readonly id: string;
  /** The kind of fault: latency, throttle, error500, error503, drop or hang. */
  readonly kind: string;
  /** Before the handler (the call was not applied) or after it (it was, and its answer was replaced). */
  readonly when: 'before' | 'after';
}

/** One AWS call in the {@link RequestLog}. */
export interface RequestLogEntry {
  readonly seq: number;
  readonly time: string;
  readonly service: string;
  readonly action: string;
  /** The caller ARN, or null for unsigned or unauthenticated calls. */
  readonly principal: string | null;
  /** The HTTP status; 0 when no answer was sent (a dropped or hung request). */
  readonly status: number;
  /** The AWS error code, or null on success; `ConnectionDropped` / `RequestHung` for dropped / hung requests. */
  readonly errorCode: string | null;
  /** True for operations that may change state (not Describe/List/Get). */
  readonly mutating: boolean;
  /** The injected faults that struck the call, when any did. */
  readonly faults?: readonly RequestFault[];
}

/** The log of AWS calls, bounded to the most recent `limit` entries. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #limit: number;
  #seq = 0;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = { seq: ++this.#seq, ...entry };
    this.#entries.push(full);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
    return full;
  }

  /** Entries after the given sequence number (all by default). */
  since(seq = 0): RequestLogEntry[] {
    return this.#entries.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.#seq;
  }
}
