/**
 * The cause of a failed AWS call in one phrase, for the errors the SDK raises (shapes as
 * SDK v3 raises them against the sandbox: refused, dropped, timed out, throttled, unavailable).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeAwsError, errorCauseCode } from '../../src/aws/error-cause.js';

const sdkError = (name: string, message: string, extra: Record<string, unknown>): Error =>
  Object.assign(new Error(message), { name, ...extra });

test('names the network code, the AWS error and its HTTP status', () => {
  const cases: [unknown, string][] = [
    [
      sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED', errno: -111, $metadata: {} }),
      'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    ],
    [
      sdkError('TimeoutError', 'socket hang up', { code: 'ECONNRESET', $metadata: {} }),
      'TimeoutError (ECONNRESET): socket hang up',
    ],
    [
      sdkError(
        'TimeoutError',
        '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.',
        { code: 'ETIMEDOUT', $metadata: {} },
      ),
      'TimeoutError (ETIMEDOUT): a request has exceeded the configured 1000 ms requestTimeout.',
    ],
    [
      sdkError('ThrottlingException', 'Rate exceeded', { $metadata: { httpStatusCode: 400 } }),
      'ThrottlingException (HTTP 400): Rate exceeded',
    ],
    [
      sdkError('ServiceUnavailableException', 'Service is unavailable. Please try again.', {
        $metadata: { httpStatusCode: 503 },
      }),
      'ServiceUnavailableException (HTTP 503): Service is unavailable. Please try again.',
    ],
    // Node's connect to a host with two addresses: the codes are on the attempts.
    [
      Object.assign(
        new AggregateError([sdkError('Error', 'connect ECONNREFUSED ::1:4599', { code: 'ECONNREFUSED' })], ''),
        {
          $metadata: {},
        },
      ),
      'ECONNREFUSED: connect ECONNREFUSED ::1:4599',
    ],
    [
      new Error('wrapped', { cause: sdkError('Error', 'read ECONNRESET', { code: 'ECONNRESET' }) }),
      'ECONNRESET: wrapped',
    ],
    ['a string', 'thrown string: a string'],
  ];
  for (const [error, expected] of cases) assert.equal(describeAwsError(error), expected);
});

test('errorCauseCode walks causes and the attempts of an AggregateError', () => {
  assert.equal(errorCauseCode(new Error('x', { cause: { code: 'EAI_AGAIN' } })), 'EAI_AGAIN');
  assert.equal(errorCauseCode(sdkError('ThrottlingException', 'Rate exceeded', {})), undefined);
});
