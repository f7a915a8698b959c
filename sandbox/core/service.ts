/**
 * The contract between the sandbox's HTTP front and the AWS services it emulates. A service is a
 * module: a protocol, a name and a handler per operation. More services (CloudTrail, CloudWatch)
 * plug in by adding a module to the list the server is built with.
 */
import type { Principal } from './identity.js';
import type { QueryParams } from './query.js';
import type { XmlValue } from './xml.js';

/** What a handler knows of the request it serves. */
export interface RequestContext {
  readonly requestId: string;
  /** The service's signing name: `ecs`, `iam`, `sts`... */
  readonly service: string;
  /** The operation, e.g. `UpdateService`. */
  readonly action: string;
  /** The region of the request's credential scope (`us-east-1` for unsigned calls). */
  readonly region: string;
  /** The caller; undefined only for operations AWS serves unsigned. */
  readonly principal: Principal | undefined;
  /** The access key id used, when signed. */
  readonly accessKeyId: string | undefined;
  /** The time the request was received. */
  readonly now: Date;
  /** The caller's source address. */
  readonly sourceIp: string;
  /** The caller's user agent. */
  readonly userAgent: string;
}

/** A JSON-protocol handler: the parsed input in, a plain object out (Dates become epoch seconds). */
export type JsonHandler = (input: Record<string, unknown>, ctx: RequestContext) => unknown;

/** A service speaking AWS JSON 1.0 or 1.1 (`X-Amz-Target: Prefix.Operation`). */
export interface JsonService {
  readonly protocol: 'json';
  /** The signing name, e.g. `ecs`. */
  readonly name: string;
  /** The X-Amz-Target prefix, e.g. `AmazonEC2ContainerServiceV20141113`. */
  readonly targetPrefix: string;
  /** Other prefixes AWS accepts for the same service (CloudTrail's full `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`). */
  readonly targetAliases?: readonly string[];
  readonly jsonVersion: '1.0' | '1.1';
  readonly handlers: Readonly<Record<string, JsonHandler>>;
  /**
   * For a query-compatible JSON service (CloudWatch): the query-protocol code of an error code,
   * sent as `x-amzn-query-error: Code;Sender` (the SDK reads it into the error's `Code`).
   */
  readonly queryErrorCode?: (code: string) => string | undefined;
}

/** A query-protocol handler: the flattened parameters in, the `<Result>` element's content out. */
export type QueryHandler = (params: QueryParams, ctx: RequestContext) => XmlValue;

/** A service speaking the AWS query protocol with XML answers (IAM, STS). */
export interface QueryService {
  readonly protocol: 'query';
  readonly name: string;
  /** The `Version` parameter, e.g. `2010-05-08` for IAM. */
  readonly apiVersion: string;
  /** The namespace of the answers. */
  readonly xmlns: string;
  readonly handlers: Readonly<Record<string, QueryHandler>>;
  /** Operations AWS serves without a signature (e.g. AssumeRoleWithWebIdentity). */
  readonly unsigned?: ReadonlySet<string>;
}

export type ServiceModule = JsonService | QueryService;

/** An operation that reads only: Describe*, List*, Get*, Lookup*. */
export function isReadOnly(action: string): boolean {
  return /^(Describe|List|Get|Lookup|Simulate)/.test(action);
}
