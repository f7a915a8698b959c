/**
 * Parsing probes and stop conditions from an experiment file and flags: every form accepted, every
 * mistake refused with the key path, the value, the file line and the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadExperimentSpec } from '../../src/config/load.js';
import type { ExperimentSpec } from '../../src/config/spec.js';
import { InvalidInputError } from '../../src/errors.js';

let dir: string;
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-probe-parse-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 'cluster: prod\nservice: orders\nregion: us-east-1\n';

/** Loads an experiment file made of the head and `yaml`, with optional flags and env. */
function load(
  yaml: string,
  flags: Record<string, string | string[]> = {},
  env: Record<string, string> = {},
): ExperimentSpec {
  const name = `e${++n}.yaml`;
  writeFileSync(join(dir, name), HEAD + yaml);
  // The task role comes from the environment, so the file's line numbers stay those of the case.
  const withRole = { TASK_ROLE: 'arn:aws:iam::123456789012:role/orders-chaos-role', ...env };
  return loadExperimentSpec({ flags, env: withRole, file: name, cwd: dir });
}

/** Asserts that loading refuses with an error naming the field, the line and the fix. */
function refuses(yaml: string, field: string, says: RegExp, line?: number): InvalidInputError {
  try {
    load(yaml);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.equal(error.field, field, error.message);
    assert.match(error.message, says);
    assert.match(error.message, /Fix: /);
    if (line !== undefined) assert.match(error.message, new RegExp(`e\\d+\\.yaml line ${line}\\)`), error.message);
    return error;
  }
  assert.fail(`expected a refusal of ${field}`);
}

describe('probes from an experiment file', () => {
  test('reads every probe type with its inputs, comparators and run properties', () => {
    const spec = load(`probes:
  - name: health
    type: http
    mode: Edge
    http: { url: "http://orders/health", method: POST, body: "{}", headers: { X-Check: yes }, status: "between 200 204", responseBody: "contains ok" }
    runProperties: { timeout: 5s, interval: 1s, attempts: 3, initialDelay: 2s, stopOnFailure: true }
  - name: script
    type: cmd
    mode: SOT
    cmd: { command: [curl, -fsS, "http://x"], env: { A: 1 }, exitCode: 0, stdout: ">= 3" }
  - name: errors
    type: prometheus
    mode: Continuous
    prometheus: { endpoint: "http://prom:9090", query: "sum(up)", comparator: { criteria: ">=", value: 1 } }
    runProperties: { pollingInterval: 5s }
  - name: alarm
    type: cloudwatch
    mode: OnChaos
    cloudwatch: { alarm: { name: orders-5xx, state: [OK, INSUFFICIENT_DATA] } }
  - name: metric
    type: cloudwatch
    mode: EOT
    cloudwatch: { metric: { namespace: AWS/ECS, metricName: CPUUtilization, dimensions: { ServiceName: orders }, statistic: Average, window: last 5m, comparator: "< 90" } }
  - name: trail
    type: cloudtrail
    mode: EOT
    cloudtrail: { errorCode: AccessDenied, principal: "\${CHAOS_ROLE}", comparator: ">= 1" }
  - name: deploy
    type: ecs
    mode: EOT
    ecs: { steady: true, revision: original, runningCount: 4 }
stopConditions:
  - alarm: orders-5xx
  - orders-latency
`);
    assert.deepEqual(
      spec.probes.map((p) => `${p.name}:${p.type}:${p.mode}`),
      [
        'health:http:Edge',
        'script:cmd:SOT',
        'errors:prometheus:Continuous',
        'alarm:cloudwatch:OnChaos',
        'metric:cloudwatch:EOT',
        'trail:cloudtrail:EOT',
        'deploy:ecs:EOT',
      ],
    );
    const [health, script, errors, alarm, metric, trail, deploy] = spec.probes;
    assert.deepEqual(health, {
      name: 'health',
      type: 'http',
      mode: 'Edge',
      runProperties: {
        timeoutSeconds: 5,
        intervalSeconds: 1,
        pollingIntervalSeconds: 1,
        attempts: 3,
        initialDelaySeconds: 2,
        stopOnFailure: true,
      },
      url: 'http://orders/health',
      method: 'POST',
      headers: { 'X-Check': 'yes' },
      body: '{}',
      status: { type: 'number', criteria: 'between', value: [200, 204] },
      responseBody: { type: 'text', criteria: 'contains', value: 'ok' },
    });
    assert.ok(script?.type === 'cmd');
    assert.deepEqual(script.command, ['curl', '-fsS', 'http://x']);
    assert.equal(script.shell, false);
    assert.deepEqual(script.env, { A: '1' });
    assert.deepEqual(script.exitCode, { type: 'number', criteria: '==', value: 0 });
    assert.deepEqual(script.stdout, { type: 'number', criteria: '>=', value: 3 });
    assert.equal(script.runProperties.attempts, 1, 'the default run properties');
    assert.ok(errors?.type === 'prometheus');
    assert.equal(errors.runProperties.pollingIntervalSeconds, 5);
    assert.ok(alarm?.type === 'cloudwatch');
    assert.deepEqual(alarm.alarm, { name: 'orders-5xx', states: ['OK', 'INSUFFICIENT_DATA'] });
    assert.ok(metric?.type === 'cloudwatch');
    assert.deepEqual(metric.metric?.window, { kind: 'last', seconds: 300 });
    assert.equal(metric.metric?.statistic, 'Average');
    assert.ok(trail?.type === 'cloudtrail');
    assert.deepEqual(trail.window, { kind: 'chaos' });
    assert.equal(trail.principal, '${CHAOS_ROLE}');
    assert.ok(deploy?.type === 'ecs');
    assert.deepEqual(deploy.runningCount, { type: 'number', criteria: '==', value: 4 });
    assert.deepEqual(spec.stopConditions, [{ alarmName: 'orders-5xx' }, { alarmName: 'orders-latency' }]);
    assert.ok(Object.isFrozen(spec.probes[0]));
  });

  test('refuses a probe without a mode, naming the modes', () => {
    refuses(
      'probes:\n  - name: a\n    type: http\n    http: { url: "http://x" }\n',
      'probes[0].mode',
      /is required .*Fix: use one of SOT, EOT, Edge, Continuous, OnChaos/,
    );
  });

  test('refuses a mode in the wrong case, suggesting the right one', () => {
    refuses(
      'probes:\n  - name: a\n    type: http\n    mode: onchaos\n    http: { url: "http://x" }\n',
      'probes[0].mode',
      /Fix: write OnChaos \(the case matters\)/,
      7,
    );
  });

  test('refuses an unknown key with the nearest known one and its line', () => {
    refuses(
      'probes:\n  - name: a\n    type: http\n    mode: EOT\n    http:\n      url: "http://x"\n      stauts: 200\n',
      'probes[0].http.stauts',
      /did you mean 'status'/,
      10,
    );
  });

  test('refuses a cmd probe given as one string without shell: true', () => {
    refuses(
      'probes:\n  - name: a\n    type: cmd\n    mode: SOT\n    cmd: { command: "curl -f http://x | grep ok" }\n',
      'probes[0].cmd.command',
      /would need a shell .*set shell: true/,
    );
    const spec = load(
      'probes:\n  - name: a\n    type: cmd\n    mode: SOT\n    cmd: { command: "curl -f http://x | grep ok", shell: true }\n',
    );
    assert.ok(spec.probes[0]?.type === 'cmd' && spec.probes[0].shell);
  });

  test('refuses comparisons that cannot work', () => {
    refuses(
      'probes:\n  - name: a\n    type: prometheus\n    mode: EOT\n    prometheus: { endpoint: "http://p", query: up, comparator: "contains 1" }\n',
      'probes[0].prometheus.comparator',
      /compares text, but this value is a number/,
    );
    refuses(
      'probes:\n  - name: a\n    type: prometheus\n    mode: EOT\n    prometheus: { endpoint: "http://p", query: up, comparator: "between 5 1" }\n',
      'probes[0].prometheus.comparator',
      /between takes two numbers, the lower first/,
    );
    refuses(
      'probes:\n  - name: a\n    type: prometheus\n    mode: EOT\n    prometheus: { endpoint: "http://p", query: up, comparator: "about 3" }\n',
      'probes[0].prometheus.comparator',
      /is not a comparison/,
    );
    refuses(
      'probes:\n  - name: a\n    type: http\n    mode: EOT\n    http: { url: "http://x", responseBody: { criteria: matches, value: "(" } }\n',
      'probes[0].http.responseBody',
      /not a valid regular expression/,
    );
  });

  test('refuses bad run properties', () => {
    refuses(
      'probes:\n  - name: a\n    type: ecs\n    mode: EOT\n    ecs: { steady: true }\n    runProperties: { attempts: 0 }\n',
      'probes[0].runProperties.attempts',
      /whole number from 1 to 100/,
    );
    refuses(
      'probes:\n  - name: a\n    type: ecs\n    mode: EOT\n    ecs: { steady: true }\n    runProperties: { timeout: 1.5s }\n',
      'probes[0].runProperties.timeout',
      /not a whole number/,
    );
  });

  test('refuses a cloudwatch probe with both or neither of alarm and metric, and an ecs probe that checks nothing', () => {
    refuses(
      'probes:\n  - name: a\n    type: cloudwatch\n    mode: EOT\n    cloudwatch: {}\n',
      'probes[0].cloudwatch',
      /exactly one of alarm and metric/,
    );
    refuses('probes:\n  - name: a\n    type: ecs\n    mode: EOT\n    ecs: {}\n', 'probes[0].ecs', /checks nothing/);
  });

  test('refuses two probes of one name, and inputs under another type', () => {
    refuses(
      'probes:\n  - { name: a, type: ecs, mode: EOT, ecs: { steady: true } }\n  - { name: a, type: ecs, mode: SOT, ecs: { steady: true } }\n',
      'probes[1].name',
      /also the name of probes\[0\]/,
    );
    refuses(
      'probes:\n  - { name: a, type: ecs, mode: EOT, http: { url: "http://x" } }\n',
      'probes[0].http',
      /is not a key of probes\[0\]/,
    );
  });
});

describe('probes and stop conditions from flags and env', () => {
  test('--http-probe adds an Edge and an OnChaos http probe per URL; stop alarms come from the file, flags and STOP_ALARMS, once each', () => {
    const spec = load(
      'stopConditions: [{ alarm: from-file }]\n',
      { httpProbe: ['http://a/health', 'https://b/'], stopAlarm: ['from-flag', 'from-file'] },
      { STOP_ALARMS: 'from-env, from-flag' },
    );
    assert.deepEqual(
      spec.probes.map((p) => [p.name, p.type, p.mode, p.type === 'http' ? p.url : '']),
      [
        ['http-probe-1', 'http', 'Edge', 'http://a/health'],
        ['http-probe-1-chaos', 'http', 'OnChaos', 'http://a/health'],
        ['http-probe-2', 'http', 'Edge', 'https://b/'],
        ['http-probe-2-chaos', 'http', 'OnChaos', 'https://b/'],
      ],
    );
    assert.deepEqual(
      spec.stopConditions.map((c) => c.alarmName),
      ['from-file', 'from-flag', 'from-env'],
    );
  });

  test('--http-probe-checks chooses the points: before and after only, during only', () => {
    const modes = (checks: string): string[][] =>
      load('', { httpProbe: ['http://a/health'], httpProbeChecks: checks }).probes.map((p) => [p.name, p.mode]);
    assert.deepEqual(modes('before,after'), [['http-probe-1', 'Edge']]);
    assert.deepEqual(modes('during'), [['http-probe-1-chaos', 'OnChaos']]);
    assert.deepEqual(modes('after, during'), [
      ['http-probe-1', 'EOT'],
      ['http-probe-1-chaos', 'OnChaos'],
    ]);
    assert.throws(
      () => load('', { httpProbe: ['http://a/health'], httpProbeChecks: '' }),
      (error: InvalidInputError) => error.field === '--http-probe-checks' && /names no point/.test(error.message),
    );
  });

  test('refuses a --http-probe that is not a URL, naming the flag', () => {
    assert.throws(
      () => load('', { httpProbe: ['orders:8080/health'] }),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.field === '--http-probe' &&
        /from flag --http-probe/.test(error.message) &&
        /not an http:\/\/ or https:\/\/ URL/.test(error.message),
    );
  });

  test('with no probes and no stop conditions, both are empty', () => {
    const spec = load('');
    assert.deepEqual([spec.probes, spec.stopConditions], [[], []]);
  });
});
