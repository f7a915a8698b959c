import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FaultInjector,
  FaultRuleError,
  createPrng,
  faultRulesFromJson,
  formatFaultRule,
  parseFaultRule,
  validateFaultRule,
  type FaultRule,
} from '../../sandbox/core/faults.js';

const ACCEPTED: [string, FaultRule][] = [
  ['UpdateService=throttle', { action: 'UpdateService', kind: 'throttle' }],
  ['ecs:UpdateService=throttle@0.3', { service: 'ecs', action: 'UpdateService', kind: 'throttle', probability: 0.3 }],
  ['ecs:Describe*=latency:200', { service: 'ecs', action: 'Describe*', kind: 'latency', latencyMs: 200 }],
  ['iam:Get*=latency:200ms', { service: 'iam', action: 'Get*', kind: 'latency', latencyMs: 200 }],
  ['*=latency:1.5s', { action: '*', kind: 'latency', latencyMs: 1500 }],
  ['*:*=error500', { service: '*', action: '*', kind: 'error500' }],
  ['sts:*=error503@25%', { service: 'sts', action: '*', kind: 'error503', probability: 0.25 }],
  ['RegisterTaskDefinition=drop/after', { action: 'RegisterTaskDefinition', kind: 'drop', when: 'after' }],
  ['RegisterTaskDefinition=drop/after x1', { action: 'RegisterTaskDefinition', kind: 'drop', when: 'after', count: 1 }],
  ['UpdateService=throttlex2', { action: 'UpdateService', kind: 'throttle', count: 2 }],
  [
    'UpdateService=error500x2@.5/before',
    { action: 'UpdateService', kind: 'error500', count: 2, probability: 0.5, when: 'before' },
  ],
  ['ListTasks=hang', { action: 'ListTasks', kind: 'hang' }],
  ['ListTasks=hang:5s', { action: 'ListTasks', kind: 'hang', hangMs: 5000 }],
  ['ListTasks=hang:250x3', { action: 'ListTasks', kind: 'hang', hangMs: 250, count: 3 }],
  [
    ' ecs : UpdateService = latency : 50 @ 1 ',
    { service: 'ecs', action: 'UpdateService', kind: 'latency', latencyMs: 50, probability: 1 },
  ],
  ['ECS:UpdateService=THROTTLE/AFTER', { service: 'ecs', action: 'UpdateService', kind: 'throttle', when: 'after' }],
  ['UpdateService=drop@0', { action: 'UpdateService', kind: 'drop', probability: 0 }],
  ['UpdateService=drop@100%', { action: 'UpdateService', kind: 'drop', probability: 1 }],
  ['GetCallerIdentity=latency:600000', { action: 'GetCallerIdentity', kind: 'latency', latencyMs: 600_000 }],
];

const REJECTED: [string, RegExp][] = [
  ['', /^the rule is empty$/],
  ['   ', /^the rule is empty$/],
  ['UpdateService', /^no '=' between the operation and the fault kind$/],
  ['=throttle', /^the operation is missing$/],
  ['ecs:=throttle', /^the operation is missing$/],
  [':UpdateService=throttle', /^the service before ':' is missing$/],
  ['ecs=throttle', /^'ecs' is a service, not an operation$/],
  ['ec2:UpdateService=throttle', /^unknown service 'ec2'$/],
  ['Update-Service=throttle', /^'Update-Service' is not an operation name or glob$/],
  ['ecs:iam:X=drop', /^'iam:X' is not an operation name or glob$/],
  ['UpdateService=', /^the fault kind is missing$/],
  ['UpdateService=throtle', /^unknown fault kind 'throtle'$/],
  ['UpdateService=timeout', /^unknown fault kind 'timeout'$/],
  ['UpdateService=latency', /^latency needs its delay$/],
  ['UpdateService=latency:', /^latency needs its delay$/],
  ['UpdateService=latency:fast', /^'fast' is not a duration$/],
  ['UpdateService=latency:0', /^the duration must be a whole number of milliseconds from 1 to 600000$/],
  ['UpdateService=latency:-5', /^'-5' is not a duration$/],
  ['UpdateService=latency:600001', /from 1 to 600000/],
  ['UpdateService=latency:11m', /^'11m' is not a duration$/],
  ['UpdateService=latency:0.5ms', /whole number of milliseconds/],
  ['UpdateService=hang:0', /from 1 to 600000/],
  ['UpdateService=throttle:5', /^throttle takes no argument \(got ':5'\)$/],
  ['UpdateService=drop:1', /^drop takes no argument/],
  ['UpdateService=throttle@', /^probability '' is not from 0 to 1$/],
  ['UpdateService=throttle@1.5', /^probability '1.5' is not from 0 to 1$/],
  ['UpdateService=throttle@150%', /^probability '150%' is not from 0 to 1$/],
  ['UpdateService=throttle@-0.1', /^probability '-0.1' is not from 0 to 1$/],
  ['UpdateService=throttle@half', /^probability 'half' is not from 0 to 1$/],
  ['UpdateService=throttle@0.1@0.2', /^the probability is given twice$/],
  ['UpdateService=throttlex0', /^count '0' is not a whole number of at least 1$/],
  ['UpdateService=throttle@0.5x0', /^count '0' is not a whole number of at least 1$/],
  ['UpdateService=throttle/afterx', /^count '' is not a whole number of at least 1$/],
  ['UpdateService=throttlex1x2', /^the count is given twice$/],
  ['UpdateService=throttle/later', /^'\/later' is not \/before or \/after$/],
  ['UpdateService=throttle/after/before', /^\/before or \/after is given twice$/],
  ['UpdateService=throttle!', /^unknown fault kind 'throttle!'$/],
  ['UpdateService=throttle@0.5#', /^probability '0.5#' is not from 0 to 1$/],
];

describe('parseFaultRule', () => {
  for (const [text, expected] of ACCEPTED) {
    test(`accepts ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseFaultRule(text), expected);
    });
  }

  for (const [text, problem] of REJECTED) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseFaultRule(text),
        (err: unknown) => {
          assert.ok(err instanceof FaultRuleError, String(err));
          assert.match(err.problem, problem);
          assert.ok(err.fix.length > 0, 'says how to fix it');
          assert.equal(err.message, `${err.problem}. Fix: ${err.fix}`);
          return true;
        },
      );
    });
  }

  test('formatFaultRule writes the text back, and parsing it gives the same rule', () => {
    for (const [text, rule] of ACCEPTED) {
      const formatted = formatFaultRule(rule);
      assert.deepEqual(
        validateFaultRule(parseFaultRule(formatted)),
        validateFaultRule(rule),
        `${text} -> ${formatted}`,
      );
    }
    assert.equal(
      formatFaultRule(parseFaultRule(' ecs : UpdateService = latency : 50 @ 1 ')),
      'ecs:UpdateService=latency:50ms',
    );
    assert.equal(
      formatFaultRule(parseFaultRule('RegisterTaskDefinition=drop/after x1')),
      'RegisterTaskDefinition=dropx1/after',
    );
    assert.equal(formatFaultRule(parseFaultRule('*=hang:60s')), '*=hang');
  });
});

describe('validateFaultRule', () => {
  test('fills in the defaults', () => {
    assert.deepEqual(validateFaultRule({ kind: 'hang' }), {
      service: '*',
      action: '*',
      kind: 'hang',
      probability: 1,
      hangMs: 60_000,
      when: 'before',
    });
  });

  const INVALID: [unknown, RegExp][] = [
    [null, /must be an object or a text rule/],
    [['drop'], /must be an object or a text rule/],
    [{}, /the fault kind is missing/],
    [{ kind: 'explode' }, /unknown fault kind "explode"/],
    [{ kind: 'drop', probabilty: 0.5 }, /unknown field 'probabilty'/],
    [{ kind: 'drop', service: 'EC2' }, /unknown service 'EC2'/],
    [{ kind: 'drop', service: '' }, /service must be a non-empty string/],
    [{ kind: 'drop', action: 5 }, /action must be a non-empty string/],
    [{ kind: 'drop', probability: '0.5' }, /probability must be a number from 0 to 1/],
    [{ kind: 'drop', probability: NaN }, /probability must be a number from 0 to 1/],
    [{ kind: 'drop', count: 0 }, /count must be a whole number of at least 1/],
    [{ kind: 'drop', count: 1.5 }, /count must be a whole number of at least 1/],
    [{ kind: 'drop', when: 'during' }, /when must be 'before' or 'after'/],
    [{ kind: 'latency' }, /a latency rule needs latencyMs/],
    [{ kind: 'latency', latencyMs: 0 }, /latencyMs must be a whole number of milliseconds from 1 to 600000/],
    [{ kind: 'hang', hangMs: 600_001 }, /hangMs must be a whole number/],
    [{ kind: 'drop', latencyMs: 10 }, /latencyMs applies to latency rules only, not drop/],
    [{ kind: 'latency', latencyMs: 10, hangMs: 10 }, /hangMs applies to hang rules only, not latency/],
  ];
  for (const [input, problem] of INVALID) {
    test(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => validateFaultRule(input),
        (err: unknown) => err instanceof FaultRuleError && problem.test(err.problem),
      );
    });
  }
});

describe('faultRulesFromJson', () => {
  test('takes a rule, a text rule, or { rules } of either', () => {
    assert.deepEqual(faultRulesFromJson({ kind: 'drop' }), [{ kind: 'drop' }]);
    assert.deepEqual(faultRulesFromJson('UpdateService=drop'), ['UpdateService=drop']);
    assert.deepEqual(faultRulesFromJson({ rules: ['A=drop', { kind: 'hang' }] }), ['A=drop', { kind: 'hang' }]);
    assert.throws(() => faultRulesFromJson({ rules: 'A=drop' }), /rules must be a list/);
    assert.throws(() => faultRulesFromJson({ rules: [], kind: 'drop' }), /rules must be a list, alone/);
  });
});

describe('FaultInjector', () => {
  const call = (action: string, when: 'before' | 'after' = 'before', service = 'ecs') =>
    ({ service, action, protocol: 'json', when }) as const;

  test('the generator is a pure function of the seed', () => {
    const a = createPrng(99);
    const b = createPrng(99);
    const c = createPrng(100);
    const seqA = Array.from({ length: 20 }, a);
    assert.deepEqual(Array.from({ length: 20 }, b), seqA);
    assert.notDeepEqual(Array.from({ length: 20 }, c), seqA);
    assert.ok(seqA.every((x) => x >= 0 && x < 1));
  });

  test('matches service and glob; the first non-latency rule that strikes ends the call; latencies add up', async () => {
    const waits: number[] = [];
    const faults = new FaultInjector({
      seed: 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
      rules: ['ecs:Describe*=latency:100', '*=latency:20', 'ecs:DescribeServices=throttle', 'ecs:*=drop'],
    });
    const d1 = await faults.apply(call('DescribeServices'));
    assert.deepEqual(
      d1.fired.map((f) => f.id),
      ['f1', 'f2', 'f3'],
    );
    assert.equal(d1.end?.type, 'error');
    assert.deepEqual(waits, [120]);
    const d2 = await faults.apply(call('UpdateService'));
    assert.deepEqual([d2.fired.map((f) => f.id), d2.end], [['f2', 'f4'], { type: 'drop' }]);
    const d3 = await faults.apply(call('GetRole', 'before', 'iam'));
    assert.deepEqual([d3.fired.map((f) => f.id), d3.end], [['f2'], undefined]);
    const d4 = await faults.apply(call('DescribeServices', 'after'));
    assert.deepEqual(d4, { fired: [] });
    assert.deepEqual(faults.stats(), {
      calls: 3,
      injected: 6,
      byKind: { latency: 4, throttle: 1, error500: 0, error503: 0, drop: 1, hang: 0 },
      byRule: { f1: 1, f2: 3, f3: 1, f4: 1 },
    });
  });

  test('a JSON call and a query call get the error codes of their protocol', async () => {
    const faults = new FaultInjector({ rules: ['*=throttle'] });
    const json = await faults.apply(call('UpdateService'));
    const query = await faults.apply({ ...call('GetRole'), protocol: 'query', service: 'iam' });
    assert.equal(json.end?.type === 'error' && json.end.error.code, 'ThrottlingException');
    assert.equal(query.end?.type === 'error' && query.end.error.code, 'Throttling');
  });

  test('add, remove and clear; ids are not reused; statistics survive removal', async () => {
    const faults = new FaultInjector({ seed: 5 });
    const a = faults.add('UpdateService=drop');
    const b = faults.add({ action: 'UpdateService', kind: 'hang', hangMs: 10 });
    assert.deepEqual([a, b], ['f1', 'f2']);
    await faults.apply(call('UpdateService'));
    assert.equal(faults.remove(a), true);
    assert.equal(faults.remove(a), false);
    const d = await faults.apply(call('UpdateService'));
    assert.deepEqual(d.end, { type: 'hang', ms: 10 });
    assert.equal(faults.clear(), 1);
    assert.equal(faults.add('*=drop'), 'f3');
    assert.deepEqual(faults.stats().byRule, { f1: 1, f2: 1 });
    assert.throws(
      () => faults.add('*=nope'),
      (err: unknown) => err instanceof FaultRuleError && err.index === undefined,
    );
    assert.throws(
      () => faults.addAll(['*=drop', '*=nope']),
      (err: unknown) => err instanceof FaultRuleError && err.index === 1,
    );
    assert.equal(faults.list().length, 1, 'addAll adds all or none');
  });

  test('with the known operations, a rule that matches none is refused with a suggestion', () => {
    const faults = new FaultInjector({ operations: { ecs: ['UpdateService', 'DescribeServices'], iam: ['GetRole'] } });
    faults.add('Describe*=drop');
    faults.add('iam:*=drop');
    assert.throws(() => faults.add('ecs:GetRole=drop'), /'GetRole' matches no operation of ecs/);
    assert.throws(() => faults.add('updateservice=drop'), /did you mean UpdateService\?/);
    assert.throws(() => faults.add('Launch*=drop'), /matches no operation of any service\. Fix: use an operation name/);
  });

  test('refuses a seed that is not an unsigned 32-bit integer', () => {
    assert.throws(() => new FaultInjector({ seed: 1.5 }), RangeError);
    assert.throws(() => new FaultInjector({ seed: -1 }), RangeError);
    assert.equal(new FaultInjector({ seed: 0xffffffff }).seed, 0xffffffff);
  });
});
