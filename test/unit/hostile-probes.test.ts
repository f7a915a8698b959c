import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compare } from '../../src/probes/comparator.js';
import { parseProbes } from '../../src/probes/parse.js';
import { MAX_MATCHED_TEXT } from '../../src/probes/comparator.js';
import { InvalidInputError } from '../../src/errors.js';

const httpProbe = (http: Record<string, unknown>): unknown[] => [{ name: 'p', type: 'http', mode: 'Edge', http }];
const cmdProbe = (cmd: Record<string, unknown>): unknown[] => [{ name: 'p', type: 'cmd', mode: 'Edge', cmd }];

/** Asserts the probes are refused as invalid input naming `field`; returns the message. */
function refused(probes: unknown[], field: string): string {
  let message = '';
  assert.throws(
    () => parseProbes({ probes }),
    (err: unknown) => {
      assert.ok(err instanceof InvalidInputError, String(err));
      assert.equal(err.field, field);
      message = err.message;
      return true;
    },
  );
  return message;
}

describe('user patterns cannot block the runner', () => {
  for (const pattern of ['^(a+)+$', '(a*)*b', '^(\\w+\\s?)*$', '(a|aa)+$', '(.*a){12}', '^(a+)\\1$']) {
    test(`"matches ${pattern}" is refused at parse time, naming the field`, () => {
      const message = refused(
        httpProbe({ url: 'http://127.0.0.1:1/', responseBody: `matches ${pattern}` }),
        'probes[0].http.responseBody',
      );
      assert.match(message, /backtrack/);
    });
  }

  test('a cmd probe\'s stdout "notMatches" with a nested quantifier is refused too', () => {
    refused(
      cmdProbe({ command: ['true'], stdout: { criteria: 'notMatches', value: '(x+)*y' } }),
      'probes[0].cmd.stdout',
    );
  });

  test('ordinary patterns are still accepted', () => {
    for (const pattern of ['^ok$', '"status":\\s*"UP"', '^\\d+\\.\\d+\\.\\d+$', '(ab){2}', '^(GET|POST) /', 'a[(]+b'])
      assert.equal(
        parseProbes({ probes: httpProbe({ url: 'http://127.0.0.1:1/', responseBody: `matches ${pattern}` }) }).length,
        1,
      );
  });

  test(`a pattern is matched against the first ${MAX_MATCHED_TEXT} characters of the text only`, () => {
    const comparator = { type: 'text', criteria: 'matches', value: 'END$' } as const;
    assert.equal(compare(comparator, `${'a'.repeat(100)}END`), true);
    assert.equal(compare(comparator, `${'a'.repeat(MAX_MATCHED_TEXT)}END`), false);
    assert.equal(MAX_MATCHED_TEXT, 64 * 1024);
  });
});

describe('malformed probe fields are refused up front, before any chaos', () => {
  const url = 'http://127.0.0.1:1/';
  const cases: Array<[string, unknown[], string]> = [
    [
      'CRLF in a header value',
      httpProbe({ url, headers: { 'X-A': 'a\r\nX-Injected: 1' } }),
      'probes[0].http.headers.X-A',
    ],
    ['a space in a header name', httpProbe({ url, headers: { 'X A': 'a' } }), 'probes[0].http.headers.X A'],
    ['CRLF in a header name', httpProbe({ url, headers: { 'X-A\r\nB': 'a' } }), 'probes[0].http.headers.X-A\\r\\nB'],
    ['CRLF in a URL', httpProbe({ url: 'http://127.0.0.1:1/a\r\nHost: evil' }), 'probes[0].http.url'],
    ['a space in a URL', httpProbe({ url: 'http://127.0.0.1:1/a b' }), 'probes[0].http.url'],
    ['NUL in a cmd argument', cmdProbe({ command: ['echo', 'a\u0000b'] }), 'probes[0].cmd.command[1]'],
    ['an empty argv[0]', cmdProbe({ command: ['', 'x'] }), 'probes[0].cmd.command[0]'],
    ['NUL in an env value', cmdProbe({ command: ['true'], env: { A: 'x\u0000y' } }), 'probes[0].cmd.env.A'],
    ['= in an env name', cmdProbe({ command: ['true'], env: { 'A=B': 'x' } }), 'probes[0].cmd.env.A=B'],
    [
      'a path as an ecs service',
      [{ name: 'p', type: 'ecs', mode: 'Edge', ecs: { service: '../../etc', steady: true } }],
      'probes[0].ecs.service',
    ],
    [
      'a path as an ecs cluster',
      [{ name: 'p', type: 'ecs', mode: 'Edge', ecs: { cluster: 'a/b', steady: true } }],
      'probes[0].ecs.cluster',
    ],
  ];
  for (const [what, probes, field] of cases) {
    test(`${what}: exit 2 naming ${JSON.stringify(field)}, the value escaped, and the fix`, () => {
      const message = refused(probes, field);
      assert.match(message, /Fix: /);
      assert.ok(
        !['\r', '\n', '\u0000'].some((c) => message.includes(c)),
        `the value is escaped: ${JSON.stringify(message)}`,
      );
    });
  }

  test('ordinary headers, URLs, arguments and names are still accepted', () => {
    assert.equal(
      parseProbes({
        probes: [
          ...httpProbe({
            url: 'http://orders.internal:8080/health?x=1',
            headers: { Authorization: 'Bearer a b', 'X-Req_ID.1': '1' },
          }),
          { name: 'q', type: 'cmd', mode: 'Edge', cmd: { command: ['curl', '-fsS', 'a b'], env: { A_B: 'x y' } } },
          { name: 'r', type: 'ecs', mode: 'Edge', ecs: { cluster: 'prod-1', service: 'orders_v2', steady: true } },
        ],
      }).length,
      3,
    );
  });
});

describe('secrets in probe inputs are never echoed', () => {
  test('a password in an http probe URL is refused with a fix; the error does not show it', () => {
    const message = refused(httpProbe({ url: 'http://admin:s3cret@orders.internal/health' }), 'probes[0].http.url');
    assert.ok(!message.includes('s3cret'), message);
    assert.ok(!message.includes('admin'), message);
    assert.match(message, /Authorization/);
  });

  test('a Prometheus endpoint with user info is refused; the error does not show it', () => {
    const message = refused(
      [
        {
          name: 'p',
          type: 'prometheus',
          mode: 'Edge',
          prometheus: { endpoint: 'https://u:hunter2@prom:9090', query: 'sum(up)', comparator: '>= 1' },
        },
      ],
      'probes[0].prometheus.endpoint',
    );
    assert.ok(!message.includes('hunter2'), message);
  });

  test('a --http-probe URL with a password is refused; the error does not show it', () => {
    assert.throws(
      () => parseProbes({ httpProbeFlags: ['http://a:pw9876@h/'] }),
      (err: unknown) => err instanceof InvalidInputError && !err.message.includes('pw9876'),
    );
  });

  test('a misspelt key under a probe does not echo its value (an Authorization header)', () => {
    const message = refused(
      httpProbe({ url: 'http://orders/', header: { Authorization: 'Bearer tok-SECRET-123' } }),
      'probes[0].http.header',
    );
    assert.ok(!message.includes('tok-SECRET-123'), message);
    assert.match(message, /did you mean 'headers'/);
  });

  test('a huge bad value is echoed at most MAX_SHOWN (300) characters with an ellipsis', () => {
    const message = refused(httpProbe({ url: `http://orders/${'x'.repeat(5_000_000)} y` }), 'probes[0].http.url');
    assert.ok(message.length < 2000, `message of ${message.length} characters`);
    assert.match(message, /…/);
  });
});

describe('a Prometheus endpoint with a #fragment', () => {
  test('is refused (the fragment would silently drop the query)', () => {
    const message = refused(
      [
        {
          name: 'p',
          type: 'prometheus',
          mode: 'Edge',
          prometheus: { endpoint: 'http://prom:9090/#x', query: 'sum(up)', comparator: '>= 1' },
        },
      ],
      'probes[0].prometheus.endpoint',
    );
    assert.match(message, /fragment/);
  });
});
