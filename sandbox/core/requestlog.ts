/** Every AWS call the sandbox answered, in order, for tests and for `/_sandbox/requests`. */

export interface RequestLogEntry {
  readonly seq: number;
  readonly time: string;
  readonly service: string;
  readonly action: string;
  /** The caller ARN, or null for unsigned or unauthenticated calls. */
  readonly principal: string | null;
  readonly status: number;
  /** The AWS error code, or null on success. */
  readonly errorCode: string | null;
  /** True for operations that may change state (not Describe/List/Get). */
  readonly mutating: boolean;
}

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
