/**
 * An error the sandbox answers with, shaped as AWS shapes it: `__type` and `message` in JSON
 * protocols, `<ErrorResponse>` in the query protocol, with AWS's HTTP status codes.
 */
export class AwsError extends Error {
  /** The AWS error code, e.g. `ClusterNotFoundException` or `NoSuchEntity`. */
  readonly code: string;
  /** The HTTP status code. */
  readonly status: number;
  /** `Sender` for the caller's fault, `Receiver` for the service's. */
  readonly type: 'Sender' | 'Receiver';

  constructor(
    code: string,
    message: string,
    status = 400,
    type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
    this.type = type;
  }
}

/** The access denied error of JSON services (ECS, CloudWatch...). */
export function accessDeniedJson(message: string): AwsError {
  return new AwsError('AccessDeniedException', message, 400);
}
