/**
 * The sandbox's HTTP front: reads a request, finds the service and operation by the protocol's
 * rules, authenticates the caller by SigV4, consults the fault source, runs the interceptors,
 * authorizes the call for its caller and runs the handler, consults the fault source again, and writes the answer or the error in the protocol's
 * shape, or cuts the connection when a fault says so.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsError } from './errors.js';
import { requestId as newRequestId } from './ids.js';
import type { KeyStore, Principal } from './identity.js';
import { QueryParams } from './query.js';
import type { RequestFault, RequestLog } from './requestlog.js';
import { isReadOnly, type JsonService, type QueryService, type RequestContext, type ServiceModule } from './service.js';
import { parseAmzDate, parseAuthorization, verifySignature } from './sigv4.js';
import { toXml } from './xml.js';

/** Runs before every AWS operation; may delay it or throw an AwsError to answer with. */
export type Interceptor = (ctx: RequestContext) => void | Promise<void>;

/**
 * What the {@link Authorizer} sees of a call: its context and its parsed input (the JSON object of
 * a JSON service, the parameters of a query service).
 */
export type AuthorizeCall =
  | { readonly ctx: RequestContext; readonly protocol: 'json'; readonly input: Readonly<Record<string, unknown>> }
  | { readonly ctx: RequestContext; readonly protocol: 'query'; readonly params: QueryParams };

/**
 * Decides whether the caller may make a call: runs after authentication, the `before` faults and
 * the interceptors, once the input is parsed and just before the handler; throws an AwsError
 * (AccessDenied) to refuse. Admin routes never reach it.
 */
export type Authorizer = (call: AuthorizeCall) => void | Promise<void>;

/**
 * A call the front answered (or failed), once authenticated: what the CloudTrail recorder sees,
 * after the request log is written.
 */
export interface AnsweredCall {
  readonly ctx: RequestContext;
  readonly protocol: 'json' | 'query';
  /** The parsed JSON input, when it was parsed. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** The query parameters of a query-protocol call. */
  readonly params?: QueryParams;
  /** The HTTP status; 0 when no answer was sent. */
  readonly status: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** An admin route's answer other than JSON with status 200 (text, another status). */
export class AdminReply {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType = 'application/json',
  ) {}
}

/**
 * An admin route under `/_sandbox/`: returns a JSON value, or throws (an AwsError for its status,
 * anything else for 400).
 */
export type AdminRoute = (body: unknown, url: URL) => unknown;

/** A call as the front's {@link FaultSource} sees it, at one of its two phases. */
export interface FaultCall {
  /** The service's signing name: `ecs`, `iam`, `sts`. */
  readonly service: string;
  /** The operation, e.g. `UpdateService`. */
  readonly action: string;
  /** The wire protocol, which decides the shape of an error. */
  readonly protocol: 'json' | 'query';
  /** `before` the interceptors and the handler, or `after` the handler answered successfully. */
  readonly when: 'before' | 'after';
}

/** How a fault ends a call: an error answer, a connection closed at once, or held open then closed. */
export type FaultEnd =
  | { readonly type: 'error'; readonly error: AwsError }
  | { readonly type: 'drop' }
  | { readonly type: 'hang'; readonly ms: number };

/** What a {@link FaultSource} decided about a call at one phase. */
export interface FaultDecision {
  /** The faults that struck, for the request log (latencies included). */
  readonly fired: readonly RequestFault[];
  /** How the call ends; absent when it goes on. */
  readonly end?: FaultEnd;
}

/**
 * The hook of fault injection (sandbox/core/faults.ts implements it): consulted on every AWS call
 * before the interceptors and the handler, and after a handler that answered without error (the
 * call is then applied, and a fault replaces its answer). Latency is waited out inside `apply`.
 * Admin routes never reach it.
 */
export interface FaultSource {
  /** Decides the faults of a call at one phase (waiting out any latency) and how the call ends. */
  apply(call: FaultCall): FaultDecision | Promise<FaultDecision>;
}

/** The request log's error codes of calls that got no answer. */
export const NO_ANSWER_CODES = { drop: 'ConnectionDropped', hang: 'RequestHung' } as const;

/** Options of {@link createFront}. */
export interface FrontOptions {
  readonly services: readonly ServiceModule[];
  readonly keys: KeyStore;
  readonly log: RequestLog;
  readonly interceptors: Interceptor[];
  /** Fault injection, consulted before the interceptors and after the handler. */
  readonly faults?: FaultSource;
  /** Authorization of each AWS call, consulted just before its handler; none = every caller may call anything. */
  readonly authorize?: Authorizer;
  /**
   * Routes by `METHOD /path` (the path after `/_sandbox`). A route keyed `METHOD /prefix/*` serves
   * any `/prefix/NAME` without an exact route; it reads NAME from the URL; `METHOD /prefix/**` any deeper path.
   */
  readonly adminRoutes: ReadonlyMap<string, AdminRoute>;
  /** The current time in epoch milliseconds. */
  readonly now: () => number;
  /** The default region for unsigned calls. */
  readonly defaultRegion: string;
  /** Told of every authenticated call once answered (CloudTrail's recorder); must not throw. */
  readonly onAnswered?: (call: AnsweredCall) => void;
}

/** What the front learns of a call's input while running it, for {@link FrontOptions.onAnswered}. */
interface SeenInput {
  input?: Record<string, unknown>;
  params?: QueryParams;
}

const MAX_BODY = 8 * 1024 * 1024;
/** AWS refuses requests signed more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** Replaces Dates by epoch seconds, as AWS JSON protocols carry timestamps. */
function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/** Errors of authentication differ in code between the JSON and the query protocols. */
const AUTH_ERRORS = {
  missing: {
    json: ['MissingAuthenticationTokenException', 'Missing Authentication Token', 400],
    query: ['MissingAuthenticationToken', 'Request is missing Authentication Token', 403],
  },
  unknownKey: {
    json: ['UnrecognizedClientException', 'The security token included in the request is invalid.', 400],
    query: ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
  },
  signature: {
    json: [
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      400,
    ],
    query: [
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403,
    ],
  },
  expired: {
    json: ['ExpiredTokenException', 'The security token included in the request is expired', 400],
    query: ['ExpiredToken', 'The security token included in the request is expired', 403],
  },
  skew: {
    json: ['InvalidSignatureException', 'Signature expired: the request time is too far from the server time.', 400],
    query: ['SignatureDoesNotMatch', 'Signature expired: the request time is too far from the server time.', 403],
  },
} as const;

function authError(kind: keyof typeof AUTH_ERRORS, protocol: 'json' | 'query'): AwsError {
  const [code, message, status] = AUTH_ERRORS[kind][protocol];
  return new AwsError(code, message, status);
}

/** Thrown inside dispatch when a fault cuts the connection instead of answering. */
class ConnectionCut extends Error {
  constructor(readonly end: Extract<FaultEnd, { type: 'drop' | 'hang' }>) {
    super(`connection cut: ${end.type}`);
  }
}

/** Closes the connection without an answer, at once or after holding it open. */
function cutConnection(req: IncomingMessage, cut: ConnectionCut): void {
  if (cut.end.type === 'drop') {
    req.socket.destroy();
    return;
  }
  const timer = setTimeout(() => req.socket.destroy(), cut.end.ms);
  timer.unref();
  req.socket.once('close', () => clearTimeout(timer));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new AwsError('RequestEntityTooLarge', 'Request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Creates the HTTP server (not yet listening). */
export function createFront(options: FrontOptions): Server {
  const jsonByPrefix = new Map<string, JsonService>();
  const queryByName = new Map<string, QueryService>();
  const queryByVersion = new Map<string, QueryService>();
  for (const service of options.services) {
    if (service.protocol === 'json') {
      jsonByPrefix.set(service.targetPrefix, service);
      for (const alias of service.targetAliases ?? []) jsonByPrefix.set(alias, service);
    } else {
      queryByName.set(service.name, service);
      queryByVersion.set(service.apiVersion, service);
    }
  }

  function authenticate(
    req: IncomingMessage,
    body: Buffer,
    protocol: 'json' | 'query',
    unsigned: boolean,
  ): { principal: Principal | undefined; accessKeyId: string | undefined; region: string | undefined } {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) {
      if (unsigned) return { principal: undefined, accessKeyId: undefined, region: undefined };
      throw authError('missing', protocol);
    }
    const credential = options.keys.get(auth.accessKeyId);
    if (!credential) throw authError('unknownKey', protocol);
    const amzDate = parseAmzDate(String(req.headers['x-amz-date'] ?? ''));
    if (amzDate === undefined || Math.abs(amzDate - options.now()) > MAX_SKEW_MS) throw authError('skew', protocol);
    const mismatch = verifySignature(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      auth,
      credential.secretAccessKey,
    );
    if (mismatch) throw authError('signature', protocol);
    if (credential.sessionToken !== undefined && req.headers['x-amz-security-token'] !== credential.sessionToken) {
      throw authError('unknownKey', protocol);
    }
    if (credential.expiresAt !== undefined && credential.expiresAt <= options.now())
      throw authError('expired', protocol);
    return { principal: credential.principal, accessKeyId: credential.accessKeyId, region: auth.region };
  }

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    protocol: 'json' | 'query',
    service: ServiceModule,
    action: string,
    run: (ctx: RequestContext) => Promise<unknown>,
    seen: SeenInput = {},
  ): Promise<void> {
    const id = newRequestId();
    let principal: Principal | undefined;
    let answeredCtx: RequestContext | undefined;
    let status = 200;
    let errorCode: string | null = null;
    let errorMessage: string | null = null;
    const faults: RequestFault[] = [];
    const consultFaults = async (when: 'before' | 'after'): Promise<void> => {
      if (!options.faults) return;
      const decision = await options.faults.apply({ service: service.name, action, protocol, when });
      faults.push(...decision.fired);
      const end = decision.end;
      if (end?.type === 'error') throw end.error;
      if (end) throw new ConnectionCut(end);
    };
    try {
      const unsigned = service.protocol === 'query' && (service.unsigned?.has(action) ?? false);
      const who = authenticate(req, body, protocol, unsigned);
      principal = who.principal;
      const ctx: RequestContext = {
        requestId: id,
        service: service.name,
        action,
        region: who.region ?? options.defaultRegion,
        principal,
        accessKeyId: who.accessKeyId,
        now: new Date(options.now()),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: String(req.headers['user-agent'] ?? ''),
      };
      answeredCtx = ctx;
      await consultFaults('before');
      for (const interceptor of options.interceptors) await interceptor(ctx);
      const result = await run(ctx);
      await consultFaults('after');
      if (service.protocol === 'json') {
        const text = JSON.stringify(result ?? {}, jsonReplacer);
        res.writeHead(200, {
          'content-type': `application/x-amz-json-${service.jsonVersion}`,
          'x-amzn-requestid': id,
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      } else {
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${service.xmlns}"><${action}Result>${toXml(result as never)}</${action}Result><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${action}Response>`;
        res.writeHead(200, {
          'content-type': 'text/xml',
          'x-amzn-requestid': id,
          'content-length': Buffer.byteLength(xml),
        });
        res.end(xml);
      }
    } catch (err) {
      if (err instanceof ConnectionCut) {
        status = 0;
        errorCode = NO_ANSWER_CODES[err.end.type];
        cutConnection(req, err);
        return;
      }
      const error =
        err instanceof AwsError
          ? err
          : new AwsError(
              protocol === 'json' ? 'ServerException' : 'ServiceFailure',
              `Internal error: ${(err as Error).message}`,
              500,
            );
      status = error.status;
      errorCode = error.code;
      errorMessage = error.message;
      writeError(res, protocol, service, error, id);
    } finally {
      options.log.add({
        time: new Date(options.now()).toISOString(),
        service: service.name,
        action,
        principal: principal?.arn ?? null,
        status,
        errorCode,
        mutating: !isReadOnly(action),
        ...(faults.length > 0 ? { faults } : {}),
      });
      if (answeredCtx && options.onAnswered) {
        try {
          options.onAnswered({
            ctx: answeredCtx,
            protocol,
            ...(seen.input && { input: seen.input }),
            ...(seen.params && { params: seen.params }),
            status,
            errorCode,
            errorMessage,
          });
        } catch {
          // Recording never changes the answer.
        }
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    if (url.pathname.startsWith('/_sandbox/')) return handleAdmin(req, res, url, body);

    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const dot = target.lastIndexOf('.');
      const service = jsonByPrefix.get(target.slice(0, dot));
      const action = target.slice(dot + 1);
      if (!service) {
        writeRaw(res, 400, { __type: 'UnknownOperationException', message: `Unknown target ${target}` });
        return;
      }
      const seen: SeenInput = {};
      return dispatch(
        req,
        res,
        body,
        'json',
        service,
        action,
        async (ctx) => {
          const handler = service.handlers[action];
          if (!handler) throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
          let input: unknown;
          try {
            input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
          } catch {
            throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
          }
          if (typeof input !== 'object' || input === null || Array.isArray(input)) {
            throw new AwsError('SerializationException', 'Expected a JSON object.');
          }
          const fields = input as Record<string, unknown>;
          seen.input = fields;
          if (options.authorize) await options.authorize({ ctx, protocol: 'json', input: fields });
          return handler(fields, ctx);
        },
        seen,
      );
    }

    const text = body.toString('utf8') || url.search.slice(1);
    const params = new QueryParams(text);
    const action = params.get('Action');
    if (action) {
      const scope = parseAuthorization(req.headers.authorization)?.service;
      const service = (scope ? queryByName.get(scope) : undefined) ?? queryByVersion.get(params.get('Version') ?? '');
      if (!service) {
        writeRaw(res, 400, { __type: 'InvalidAction', message: `No service for Action=${action}` });
        return;
      }
      return dispatch(
        req,
        res,
        body,
        'query',
        service,
        action,
        async (ctx) => {
          const handler = service.handlers[action];
          if (!handler) {
            throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.apiVersion}`);
          }
          if (options.authorize) await options.authorize({ ctx, protocol: 'query', params });
          return handler(params, ctx);
        },
        { params },
      );
    }
    writeRaw(res, 404, { message: `ecs-chaos sandbox: nothing at ${req.method} ${url.pathname}` });
  }

  function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const path = url.pathname.slice('/_sandbox'.length);
    let route =
      options.adminRoutes.get(`${req.method} ${path}`) ??
      options.adminRoutes.get(`${req.method} ${path.slice(0, path.lastIndexOf('/'))}/*`);
    // `METHOD /prefix/**` serves any deeper path under /prefix.
    for (let cut = path.lastIndexOf('/'); !route && cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      route = options.adminRoutes.get(`${req.method} ${path.slice(0, cut)}/**`);
    }
    if (!route) {
      writeRaw(res, 404, { message: `no admin route ${req.method} ${url.pathname}` });
      return;
    }
    try {
      const input: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      const answer = route(input, url);
      if (answer instanceof AdminReply) {
        res.writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': Buffer.byteLength(answer.body),
        });
        res.end(answer.body);
        return;
      }
      writeRaw(res, 200, answer ?? {});
    } catch (err) {
      const status = err instanceof AwsError ? err.status : 400;
      writeRaw(res, status, { message: (err as Error).message });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) writeRaw(res, 500, { message: String(err) });
      else res.destroy();
    });
  });
  // AWS's endpoints keep idle connections open for about a minute; Node's default of 5 s makes a
  // client that reuses a socket just as the server closes it see ECONNRESET (a flaky "socket hang up"
  // after any pause of about 5 s). Idle sockets are closed with the sandbox.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

function writeRaw(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value, jsonReplacer);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function writeError(
  res: ServerResponse,
  protocol: 'json' | 'query',
  service: ServiceModule,
  error: AwsError,
  id: string,
): void {
  if (protocol === 'json') {
    const text = JSON.stringify({ __type: error.code, message: error.message });
    const queryCode = service.protocol === 'json' ? service.queryErrorCode?.(error.code) : undefined;
    res.writeHead(error.status, {
      'content-type': `application/x-amz-json-${service.protocol === 'json' ? service.jsonVersion : '1.1'}`,
      'x-amzn-errortype': error.code,
      ...(queryCode !== undefined && { 'x-amzn-query-error': `${queryCode};${error.type}` }),
      'x-amzn-requestid': id,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    return;
  }
  const xmlns = service.protocol === 'query' ? service.xmlns : '';
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}"><Error>${toXml({ Type: error.type, Code: error.code, Message: error.message })}</Error><RequestId>${id}</RequestId></ErrorResponse>`;
  res.writeHead(error.status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': id,
    'content-length': Buffer.byteLength(xml),
  });
  res.end(xml);
}
