import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeClustersCommand,
  ECSClient,
  ListTagsForResourceCommand,
  ServerException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { GetRoleCommand, IAMClient, ListRoleTagsCommand, ListRolesCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { FaultRuleError, startSandbox, type FaultSnapshot, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, rejectsWith, withSandbox, type Clients } from '../support/sandbox.js';

type SdkError = Error & { code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };

/** Awaits a call that must fail, and returns its error. */
async function failure(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Asserts an SDK error of the given name and HTTP status, with the given message. */
async function rejectsWithStatus(call: Promise<unknown>, name: string, status: number, message?: string) {
  const error = await rejectsWith(call, name);
  assert.equal(error.$metadata?.httpStatusCode, status, `${name} has HTTP ${status}`);
  if (message !== undefined) assert.equal(error.message, message);
  return error;
}

/** Asserts a connection-level failure: no HTTP answer at all. */
async function rejectsWithoutAnswer(call: Promise<unknown>): Promise<SdkError> {
  const error = await failure(call);
  assert.equal(error.$metadata?.httpStatusCode, undefined, `no HTTP status: ${error.name} ${error.message}`);
  assert.equal(error.$fault, undefined, 'not an AWS error answer');
  assert.equal(error.code, 'ECONNRESET', `${error.name}: ${error.message}`);
  return error;
}

async function admin(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.endpoint}/_sandbox${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ROLE = 'orders-task-role';

describe('sandbox fault injection', () => {
  let sandbox: Sandbox;
  let clients: Clients;
  let clusterArn: string;

  before(async () => {
    ({ sandbox, ...clients } = await withSandbox({ scenario: 'demo', pace: 'fast', faultSeed: 1234 }));
    clusterArn = (await clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }))).clusters![0]!
      .clusterArn!;
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.faults.clear();
  });

  describe('each kind, shaped as AWS shapes it in each protocol', () => {
    test('throttle: ThrottlingException (JSON) and Throttling (query), 400 "Rate exceeded"', async () => {
      sandbox.faults.add('ecs:DescribeClusters=throttle');
      sandbox.faults.add('iam:GetRole=throttle');
      sandbox.faults.add('sts:*=throttle');
      await rejectsWithStatus(
        clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })),
        'ThrottlingException',
        400,
        'Rate exceeded',
      );
      await rejectsWithStatus(
        clients.iam.send(new GetRoleCommand({ RoleName: ROLE })),
        'Throttling',
        400,
        'Rate exceeded',
      );
      await rejectsWithStatus(clients.sts.send(new GetCallerIdentityCommand({})), 'Throttling', 400, 'Rate exceeded');
      // Other operations go through.
      await clients.iam.send(new ListRolesCommand({}));
    });

    test('error500: ServerException (JSON, the modelled ECS class) and InternalFailure (query), 500', async () => {
      sandbox.faults.add({ service: 'ecs', action: 'DescribeClusters', kind: 'error500' });
      sandbox.faults.add({ service: 'iam', action: 'GetRole', kind: 'error500' });
      const ecsError = await rejectsWithStatus(
        clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })),
        'ServerException',
        500,
      );
      assert.ok(ecsError instanceof ServerException);
      const iamError = await rejectsWithStatus(
        clients.iam.send(new GetRoleCommand({ RoleName: ROLE })),
        'InternalFailure',
        500,
      );
      assert.equal((iamError as SdkError).$fault, 'server');
    });

    test('error503: ServiceUnavailableException (JSON) and ServiceUnavailable (query), 503', async () => {
      sandbox.faults.add('ecs:DescribeClusters=error503');
      sandbox.faults.add('sts:GetCallerIdentity=error503');
      await rejectsWithStatus(
        clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })),
        'ServiceUnavailableException',
        503,
      );
      const stsError = await rejectsWithStatus(
        clients.sts.send(new GetCallerIdentityCommand({})),
        'ServiceUnavailable',
        503,
      );
      assert.equal((stsError as SdkError).$fault, 'server');
    });

    test('drop: the connection closes without an answer, a network-level error for the SDK', async () => {
      sandbox.faults.add('ecs:DescribeClusters=drop');
      sandbox.faults.add('iam:GetRole=drop');
      await rejectsWithoutAnswer(clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })));
      await rejectsWithoutAnswer(clients.iam.send(new GetRoleCommand({ RoleName: ROLE })));
      // The sandbox keeps serving.
      await clients.iam.send(new ListRolesCommand({}));
    });

    test('hang: no answer; a client with a request timeout gives up with a TimeoutError', async () => {
      sandbox.faults.add('ecs:DescribeClusters=hang');
      sandbox.faults.add('iam:GetRole=hang');
      // This SDK only warns on requestTimeout unless throwOnRequestTimeout is set.
      const config = {
        endpoint: sandbox.endpoint,
        region: sandbox.region,
        credentials: sandbox.credentials,
        maxAttempts: 1,
        requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
      };
      const ecs = new ECSClient(config);
      const iam = new IAMClient(config);
      try {
        for (const call of [
          () => ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })),
          () => iam.send(new GetRoleCommand({ RoleName: ROLE })),
        ]) {
          const started = Date.now();
          const error = await rejectsWith(call(), 'TimeoutError');
          const took = Date.now() - started;
          assert.ok(took >= 290, `gave up after ${took} ms`);
          assert.match(error.message, /300 ms requestTimeout/);
        }
      } finally {
        ecs.destroy();
        iam.destroy();
      }
    });

    test('hang: after hangMs the sandbox closes the connection (a client without a timeout sees it)', async () => {
      sandbox.faults.add({ service: 'sts', action: 'GetCallerIdentity', kind: 'hang', hangMs: 400 });
      const started = Date.now();
      await rejectsWithoutAnswer(clients.sts.send(new GetCallerIdentityCommand({})));
      const took = Date.now() - started;
      assert.ok(took >= 390, `closed after ${took} ms`);
    });

    test('latency: the call succeeds after at least the delay; latencies of several rules add up', async () => {
      sandbox.faults.add('ecs:Describe*=latency:250');
      sandbox.faults.add('iam:GetRole=latency:200ms');
      sandbox.faults.add('iam:Get*=latency:0.1s');
      let started = Date.now();
      const clusters = await clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
      assert.equal(clusters.clusters![0]!.clusterName, 'demo');
      assert.ok(Date.now() - started >= 245, `ECS took ${Date.now() - started} ms`);
      started = Date.now();
      const role = await clients.iam.send(new GetRoleCommand({ RoleName: ROLE }));
      assert.equal(role.Role!.RoleName, ROLE);
      assert.ok(Date.now() - started >= 295, `IAM took ${Date.now() - started} ms`);
      const since = sandbox.requests().at(-1)?.seq ?? 0;
      await clients.iam.send(new ListRolesCommand({}));
      const listed = sandbox.requests(since).find((r) => r.action === 'ListRoles')!;
      assert.deepEqual(listed.faults ?? [], [], 'an operation no rule matches is not delayed');
    });

    test('latency then a fault: the delay is waited out, then the fault answers', async () => {
      sandbox.faults.add('ecs:*=latency:150');
      sandbox.faults.add('ecs:DescribeClusters=throttle');
      const started = Date.now();
      await rejectsWith(clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })), 'ThrottlingException');
      assert.ok(Date.now() - started >= 145);
    });
  });

  describe('the SDK retries them as it retries AWS', () => {
    for (const kind of ['throttle', 'error500', 'error503', 'drop'] as const) {
      test(`${kind}: with retries on, two strikes are retried and the third attempt succeeds`, async () => {
        const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.credentials };
        const ecs = new ECSClient({ ...config, maxAttempts: 3 });
        const iam = new IAMClient({ ...config, maxAttempts: 3 });
        try {
          const ecsRule = sandbox.faults.add(`ecs:DescribeClusters=${kind}x2`);
          const iamRule = sandbox.faults.add(`iam:GetRole=${kind}x2`);
          const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
          assert.equal(clusters.$metadata.attempts, 3);
          const role = await iam.send(new GetRoleCommand({ RoleName: ROLE }));
          assert.equal(role.$metadata.attempts, 3);
          const byRule = sandbox.faults.stats().byRule;
          assert.equal(byRule[ecsRule], 2);
          assert.equal(byRule[iamRule], 2);
        } finally {
          ecs.destroy();
          iam.destroy();
        }
      });
    }
  });

  describe("when: 'after'", () => {
    test('an ECS TagResource is applied, yet the caller gets the 500', async () => {
      sandbox.faults.add('ecs:TagResource=error500/after');
      await rejectsWith(
        clients.ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: 'lost', value: 'answer' }] })),
        'ServerException',
      );
      const tags = await clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }));
      assert.deepEqual(
        tags.tags!.filter((t) => t.key === 'lost'),
        [{ key: 'lost', value: 'answer' }],
      );
      const entry = sandbox.requests().findLast((r) => r.action === 'TagResource')!;
      assert.equal(entry.status, 500);
      assert.deepEqual(entry.faults, [{ id: sandbox.faults.list()[0]!.id, kind: 'error500', when: 'after' }]);
      await clients.ecs.send(new UntagResourceCommand({ resourceArn: clusterArn, tagKeys: ['lost'] }));
    });

    test('an IAM TagRole is applied, then the connection is dropped', async () => {
      sandbox.faults.add('iam:TagRole=drop/after');
      await rejectsWithoutAnswer(
        clients.iam.send(new TagRoleCommand({ RoleName: ROLE, Tags: [{ Key: 'k', Value: 'v' }] })),
      );
      const tags = await clients.iam.send(new ListRoleTagsCommand({ RoleName: ROLE }));
      assert.ok(tags.Tags!.some((t) => t.Key === 'k' && t.Value === 'v'));
      const entry = sandbox.requests().findLast((r) => r.action === 'TagRole')!;
      assert.equal(entry.status, 0);
      assert.equal(entry.errorCode, 'ConnectionDropped');
    });

    test("by default ('before') the call is not applied", async () => {
      sandbox.faults.add('ecs:TagResource=drop');
      await rejectsWithoutAnswer(
        clients.ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: 'never', value: 'x' }] })),
      );
      const tags = await clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }));
      assert.ok(!tags.tags!.some((t) => t.key === 'never'));
    });

    test('a call the handler refuses keeps its own error (an after rule strikes applied calls only)', async () => {
      const id = sandbox.faults.add('iam:GetRole=throttle/after x1');
      await rejectsWith(clients.iam.send(new GetRoleCommand({ RoleName: 'no-such-role' })), 'NoSuchEntityException');
      assert.equal(sandbox.faults.list()[0]!.remaining, 1);
      await rejectsWith(clients.iam.send(new GetRoleCommand({ RoleName: ROLE })), 'Throttling');
      assert.equal(sandbox.faults.stats().byRule[id], 1);
    });
  });

  describe('probability and count', () => {
    async function outcomes(seed: number): Promise<{ outcomes: string; seed: number }> {
      const other = await startSandbox({ faultSeed: seed, faults: ['sts:GetCallerIdentity=throttle@0.3'] });
      const sts = clientsFor(other).sts;
      try {
        let result = '';
        for (let i = 0; i < 50; i++) {
          result += await sts.send(new GetCallerIdentityCommand({})).then(
            () => '.',
            (err: Error) => (err.name === 'Throttling' ? 'T' : `?${err.name}`),
          );
        }
        return { outcomes: result, seed: other.faults.seed };
      } finally {
        sts.destroy();
        await other.close();
      }
    }

    test('the same seed gives the same sequence of outcomes; the share struck is near the probability', async () => {
      const first = await outcomes(42);
      const again = await outcomes(42);
      const other = await outcomes(43);
      assert.equal(first.seed, 42);
      assert.match(first.outcomes, /^[.T]{50}$/);
      assert.equal(again.outcomes, first.outcomes, 'replayed with the same seed');
      assert.notEqual(other.outcomes, first.outcomes, 'another seed, another sequence');
      for (const run of [first, other]) {
        const struck = run.outcomes.split('T').length - 1;
        assert.ok(struck >= 5 && struck <= 25, `${struck} of 50 struck at probability 0.3: ${run.outcomes}`);
      }
    });

    test('without a seed, one is picked and reported', async () => {
      const a = await startSandbox();
      try {
        assert.ok(Number.isInteger(a.faults.seed) && a.faults.seed >= 0 && a.faults.seed <= 0xffffffff);
        const { body } = await admin(a, 'GET', '/faults');
        assert.equal(body.seed, a.faults.seed);
      } finally {
        await a.close();
      }
    });

    test('count limits the strikes; the rule stays listed with nothing left', async () => {
      const id = sandbox.faults.add('ecs:DescribeClusters=throttle x3');
      const results: string[] = [];
      for (let i = 0; i < 5; i++) {
        results.push(
          await clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })).then(
            () => 'ok',
            (err: Error) => err.name,
          ),
        );
      }
      assert.deepEqual(results, ['ThrottlingException', 'ThrottlingException', 'ThrottlingException', 'ok', 'ok']);
      assert.deepEqual(
        sandbox.faults.list().map((r) => [r.id, r.injected, r.remaining, r.matched]),
        [[id, 3, 0, 3]],
      );
    });

    test('probability 0 never strikes and draws nothing', async () => {
      sandbox.faults.add('ecs:DescribeClusters=drop@0');
      await clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
      assert.deepEqual(
        sandbox.faults.list().map((r) => [r.matched, r.injected]),
        [[1, 0]],
      );
    });
  });

  describe('run-time control through the admin routes', () => {
    test('POST adds rules (object, text or a list), GET lists them with stats and seed, DELETE removes', async () => {
      const added = await admin(sandbox, 'POST', '/faults', {
        rules: ['ecs:DescribeClusters=throttle', { service: 'iam', action: 'GetRole', kind: 'error503', count: 1 }],
      });
      assert.equal(added.status, 200);
      const [throttleId, unavailableId] = added.body.ids as string[];
      const single = await admin(sandbox, 'POST', '/faults', { service: 'sts', kind: 'error500' });
      const [stsId] = single.body.ids as string[];
      const text = await admin(sandbox, 'POST', '/faults', 'iam:ListRoles=latency:10');
      assert.equal((text.body.ids as string[]).length, 1);

      await rejectsWith(clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })), 'ThrottlingException');
      await rejectsWith(clients.iam.send(new GetRoleCommand({ RoleName: ROLE })), 'ServiceUnavailable');
      await rejectsWith(clients.sts.send(new GetCallerIdentityCommand({})), 'InternalFailure');

      const listed = await admin(sandbox, 'GET', '/faults');
      const snapshot = listed.body as unknown as FaultSnapshot;
      assert.equal(snapshot.seed, 1234);
      assert.deepEqual(
        snapshot.rules.map((r) => [r.id, r.text, r.injected, r.remaining]),
        [
          [throttleId, 'ecs:DescribeClusters=throttle', 1, null],
          [unavailableId, 'iam:GetRole=error503x1', 1, 0],
          [stsId, 'sts:*=error500', 1, null],
          [(text.body.ids as string[])[0], 'iam:ListRoles=latency:10ms', 0, null],
        ],
      );
      assert.equal(snapshot.stats.byRule[throttleId!], 1);
      assert.ok(snapshot.stats.byKind.throttle >= 1 && snapshot.stats.calls >= 3);

      const removed = await admin(sandbox, 'DELETE', `/faults/${throttleId}`);
      assert.deepEqual(removed, { status: 200, body: { removed: 1 } });
      await clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
      assert.equal((await admin(sandbox, 'DELETE', `/faults/${throttleId}`)).status, 404);

      const cleared = await admin(sandbox, 'DELETE', '/faults');
      assert.deepEqual(cleared.body, { removed: 3 });
      await clients.sts.send(new GetCallerIdentityCommand({}));
      assert.deepEqual((await admin(sandbox, 'GET', '/faults')).body.rules, []);
    });

    test('a bad rule is refused with 400 and a message naming the problem and the fix; none of the list is added', async () => {
      const bad = await admin(sandbox, 'POST', '/faults', {
        rules: ['ecs:UpdateService=throttle', 'ecs:UpdateService=throtle'],
      });
      assert.equal(bad.status, 400);
      assert.match(String(bad.body.message), /rule 2: unknown fault kind 'throtle'\. Fix: use latency, throttle/);
      const typo = await admin(sandbox, 'POST', '/faults', { action: 'UpdateServce', kind: 'drop' });
      assert.equal(typo.status, 400);
      assert.match(
        String(typo.body.message),
        /'UpdateServce' matches no operation of any service\. Fix: did you mean UpdateService\?/,
      );
      const field = await admin(sandbox, 'POST', '/faults', { kind: 'drop', probabilty: 0.5 });
      assert.match(String(field.body.message), /unknown field 'probabilty'/);
      assert.deepEqual(sandbox.faults.list(), []);
    });

    test('admin routes are never subject to faults', async () => {
      sandbox.faults.add('*=drop');
      sandbox.faults.add({ kind: 'drop', when: 'after' });
      const health = await admin(sandbox, 'GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.ok, true);
      const requests = await admin(sandbox, 'GET', '/requests');
      assert.equal(requests.status, 200);
      const faults = await admin(sandbox, 'GET', '/faults');
      assert.equal((faults.body.rules as unknown[]).length, 2);
      await rejectsWithoutAnswer(clients.sts.send(new GetCallerIdentityCommand({})));
    });
  });

  describe('the request log', () => {
    test('records dropped and hung calls with status 0, and names the faults that struck', async () => {
      const since = sandbox.world.log.lastSeq;
      const dropId = sandbox.faults.add('ecs:DescribeClusters=drop');
      const hangId = sandbox.faults.add('iam:GetRole=hang:300');
      const throttleId = sandbox.faults.add('sts:GetCallerIdentity=throttle');
      await rejectsWithoutAnswer(clients.ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })));
      await rejectsWithoutAnswer(clients.iam.send(new GetRoleCommand({ RoleName: ROLE })));
      await rejectsWith(clients.sts.send(new GetCallerIdentityCommand({})), 'Throttling');
      await clients.iam.send(new ListRolesCommand({}));
      const entries = sandbox.requests(since).map((e) => ({
        action: e.action,
        status: e.status,
        errorCode: e.errorCode,
        principal: e.principal,
        faults: e.faults,
      }));
      const principal = 'arn:aws:iam::123456789012:user/admin';
      assert.deepEqual(entries, [
        {
          action: 'DescribeClusters',
          status: 0,
          errorCode: 'ConnectionDropped',
          principal,
          faults: [{ id: dropId, kind: 'drop', when: 'before' }],
        },
        {
          action: 'GetRole',
          status: 0,
          errorCode: 'RequestHung',
          principal,
          faults: [{ id: hangId, kind: 'hang', when: 'before' }],
        },
        {
          action: 'GetCallerIdentity',
          status: 400,
          errorCode: 'Throttling',
          principal,
          faults: [{ id: throttleId, kind: 'throttle', when: 'before' }],
        },
        { action: 'ListRoles', status: 200, errorCode: null, principal, faults: undefined },
      ]);
      // Also over the admin route.
      const { body } = await admin(sandbox, 'GET', `/requests?since=${since}`);
      assert.equal((body.requests as { errorCode: string }[])[0]!.errorCode, 'ConnectionDropped');
    });
  });

  describe('with the interceptors', () => {
    test('interceptors still run, after the before-faults: a struck call does not reach them', async () => {
      const seen: string[] = [];
      const interceptor = (ctx: { action: string }): void => {
        seen.push(ctx.action);
      };
      sandbox.world.interceptors.push(interceptor);
      try {
        sandbox.faults.add('iam:GetRole=throttle');
        await rejectsWith(clients.iam.send(new GetRoleCommand({ RoleName: ROLE })), 'Throttling');
        await clients.iam.send(new ListRolesCommand({}));
        assert.deepEqual(seen, ['ListRoles']);
      } finally {
        sandbox.world.interceptors.splice(sandbox.world.interceptors.indexOf(interceptor), 1);
      }
      assert.equal(sandbox.world.faults, sandbox.faults);
    });
  });
});

describe('startSandbox({ faults, faultSeed })', () => {
  test('starts with the rules, objects or text, in order', async () => {
    const sandbox = await startSandbox({
      faultSeed: 7,
      faults: ['ecs:DescribeClusters=throttle@50%', { service: 'iam', kind: 'hang', hangMs: 1000, count: 2 }],
    });
    try {
      assert.equal(sandbox.faults.seed, 7);
      assert.deepEqual(
        sandbox.faults.list().map((r) => r.text),
        ['ecs:DescribeClusters=throttle@0.5', 'iam:*=hang:1sx2'],
      );
    } finally {
      await sandbox.close();
    }
  });

  test('refuses an invalid rule or one that matches no operation, saying which, before listening', async () => {
    await assert.rejects(startSandbox({ faults: ['ecs:*=drop', 'ecs:DescribeServices=latency'] }), (err) => {
      assert.ok(err instanceof FaultRuleError);
      assert.equal(err.index, 1);
      assert.match(err.message, /^rule 2: latency needs its delay\. Fix: write latency:MS/);
      return true;
    });
    await assert.rejects(startSandbox({ faults: ['iam:describeServices=drop'] }), (err) => {
      assert.ok(err instanceof FaultRuleError);
      assert.equal(err.index, 0);
      assert.equal(err.problem, "'describeServices' matches no operation of iam");
      return true;
    });
    await assert.rejects(startSandbox({ faults: ['ecs:describeServices=drop'] }), /did you mean DescribeServices\?/);
    await assert.rejects(startSandbox({ faultSeed: -1 }), RangeError);
    await assert.rejects(startSandbox({ faultSeed: 2 ** 32 }), RangeError);
  });

  test('the STS client of a struck call reports its own error class', async () => {
    const sandbox = await startSandbox({ faults: ['sts:GetCallerIdentity=error500x1'] });
    const sts = new STSClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    });
    try {
      await rejectsWithStatus(sts.send(new GetCallerIdentityCommand({})), 'InternalFailure', 500);
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Account, sandbox.accountId);
    } finally {
      sts.destroy();
      await sandbox.close();
    }
  });
});
