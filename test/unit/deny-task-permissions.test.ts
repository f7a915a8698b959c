/** deny-task-permissions' own logic: its policy, its checks, the role comparison and the witnesses. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadExperimentSpec } from '../../src/config/load.js';
import { authorize, globalConditionKeys } from '../../src/iam/evaluate.js';
import { loadActionCatalog } from '../../src/iam/catalog.js';
import { parsePolicyDocument } from '../../src/iam/policy.js';
import { chooseForm, unknownAction } from '../../src/faults/deny-task-permissions/checks.js';
import {
  denyDocument,
  denyEnd,
  denyPolicyName,
  denyTagValue,
  experimentOf,
  parseDenyTag,
} from '../../src/faults/deny-task-permissions/policy.js';
import {
  firstProbeFailure,
  firstProbeRecovery,
  matchesAny,
} from '../../src/faults/deny-task-permissions/propagation.js';
import { roleDifferences, type RoleState } from '../../src/faults/deny-task-permissions/role-state.js';
import { trustedPrincipals } from '../../src/faults/deny-task-permissions/users.js';
import type { ProbeResult } from '../../src/probes/types.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderResult } from '../../src/cli/render-report.js';
import { EVIL, sampleResult } from '../support/result-fixture.js';

const spec = (env: Record<string, string>): ReturnType<typeof loadExperimentSpec> =>
  loadExperimentSpec({
    flags: { cluster: 'prod', service: 'orders', region: 'us-east-1' },
    env,
    fault: 'deny-task-permissions',
  });

const role = (
  inline: Record<string, string>,
  managed: string[] = [],
  tags: Record<string, string> = {},
): RoleState => ({
  roleName: 'orders-task-role',
  roleArn: 'arn:aws:iam::123456789012:role/orders-task-role',
  inline,
  managed,
  tags,
  trustPolicyText: '{}',
});

describe('deny-task-permissions', () => {
  test('the Deny stops applying at its end on aws:CurrentTime, as the evaluator reads it', () => {
    const end = new Date('2026-11-29T06:00:00Z');
    const parsed = parsePolicyDocument(denyDocument(['s3:PutObject'], ['*'], end), 'identity');
    assert.ok(parsed.ok);
    const allow = parsePolicyDocument(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
      'identity',
    );
    assert.ok(allow.ok);
    const at = (iso: string): string =>
      authorize({
        identityPolicies: [
          { id: 'allow', document: allow.document },
          { id: 'deny', document: parsed.document },
        ],
        request: {
          action: 's3:PutObject',
          resource: 'arn:aws:s3:::b/k',
          context: globalConditionKeys({ now: new Date(iso) }),
        },
      }).decision;
    assert.equal(at('2026-11-29T05:59:59Z'), 'ExplicitDeny');
    assert.equal(at('2026-11-29T06:00:00Z'), 'Allow');
    assert.equal(denyEnd(denyDocument(['s3:PutObject'], ['*'], end))?.toISOString(), end.toISOString());
  });

  test('names and markers: the prefix status finds, the tag read back', () => {
    const name = denyPolicyName('ecs-chaos-20261121T073000Z-1a2b3c', 2);
    assert.equal(name, 'ecs-chaos-deny-20261121T073000Z-1a2b3c-2');
    assert.match(name, /^[\w+=,.@-]{1,128}$/, "IAM's policy name pattern");
    const end = new Date('2026-11-21T07:31:00Z');
    assert.deepEqual(parseDenyTag(denyTagValue('inline', name, end)), { form: 'inline', policyName: name, end });
    assert.equal(parseDenyTag('something else'), undefined);
    // The experiment a leftover belongs to, from its name or its tag key (recover leaves a LIVE one's).
    assert.equal(experimentOf(name), 'ecs-chaos-20261121T073000Z-1a2b3c');
    assert.equal(experimentOf('ecs-chaos:deny:ecs-chaos-20261121T073000Z-1a2b3c'), 'ecs-chaos-20261121T073000Z-1a2b3c');
  });

  test('actions: unknown ones named with the nearest known one; patterns must match something', async () => {
    const catalog = await loadActionCatalog();
    assert.equal(unknownAction(catalog, 's3:PutObject'), undefined);
    assert.equal(unknownAction(catalog, 'dynamodb:*'), undefined);
    assert.equal(unknownAction(catalog, 's3:Put*'), undefined);
    assert.match(unknownAction(catalog, 's3:PutObjekt') ?? '', /did you mean 's3:PutObject'/);
    assert.match(unknownAction(catalog, 'dynamodb:Frobnicate*') ?? '', /no dynamodb action matches this pattern/);
    assert.match(unknownAction(catalog, 'sss:GetParameter') ?? '', /'sss' is not a service prefix/);
  });

  test('the form: inline while it fits the 10,240 characters, managed below 10 attachments, else refused', () => {
    const s = spec({ DENY_ACTIONS: 's3:PutObject' });
    const small = chooseForm(role({ a: '{}' }), s);
    assert.ok(small.ok && small.form === 'inline');
    const full = role({ a: `"${'x'.repeat(10_200)}"` });
    const managed = chooseForm(full, s);
    assert.ok(managed.ok && managed.form === 'managed', JSON.stringify(managed));
    const none = chooseForm(
      role(
        full.inline,
        Array.from({ length: 10 }, (_, i) => `arn:aws:iam::1:policy/p${i}`),
      ),
      s,
    );
    assert.equal(none.ok, false);
  });

  test("the role's state compared: names, documents (as JSON), attachments and tags", () => {
    const before = role({ a: '{"x": 1}' }, ['arn:m1'], { team: 'orders' });
    assert.deepEqual(roleDifferences(before, role({ a: '{"x":1}' }, ['arn:m1'], { team: 'orders' })), []);
    assert.deepEqual(
      roleDifferences(
        before,
        role({ a: '{"x":2}', 'ecs-chaos-deny-1': '{}' }, [], { team: 'orders', 'ecs-chaos:deny:e': 'v' }),
      ),
      [
        'inline policy a has another document',
        'inline policy ecs-chaos-deny-1 was added',
        'managed policy arn:m1 is detached',
        'tag ecs-chaos:deny:e was added',
      ],
    );
  });

  test("the trust policy's other principals: everyone but ECS tasks", () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: ['ecs-tasks.amazonaws.com', 'lambda.amazonaws.com'] },
          Action: 'sts:AssumeRole',
        },
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'sts:AssumeRole' },
      ],
    });
    assert.deepEqual(
      trustedPrincipals(trust).map((u) => u.name),
      ['Service: lambda.amazonaws.com', 'AWS: arn:aws:iam::210987654321:root'],
    );
  });

  test('witnesses: the first failing probe evaluation after the attach, the first passing one after the removal', () => {
    const ev = (at: string, passed: boolean): ProbeResult['evaluations'][number] => ({
      at,
      phase: 'chaos',
      passed,
      attempts: 1,
      expected: '200',
      evidence: '',
    });
    const probe = {
      name: 'health',
      evaluations: [
        ev('2026-01-01T00:00:00Z', true),
        ev('2026-01-01T00:00:02Z', false),
        ev('2026-01-01T00:00:05Z', false),
        ev('2026-01-01T00:00:07Z', true),
      ],
    } as unknown as ProbeResult;
    const attach = new Date('2026-01-01T00:00:01Z');
    const removal = new Date('2026-01-01T00:00:06Z');
    assert.equal(firstProbeFailure([probe], attach)?.at.toISOString(), '2026-01-01T00:00:02.000Z');
    assert.equal(firstProbeRecovery([probe], attach, removal)?.at.toISOString(), '2026-01-01T00:00:07.000Z');
    assert.equal(matchesAny('s3:PutObject', ['s3:Put*']), true);
    assert.equal(matchesAny('s3:GetObject', ['s3:Put*', 'dynamodb:*']), false);
  });

  test('the reports show the Deny, each window and the role after the run (escaped in HTML)', () => {
    const result = sampleResult();
    result.deny = {
      roleArn: 'arn:aws:iam::123456789012:role/orders-task-role',
      actions: ['s3:PutObject'],
      resources: [EVIL],
      sharedWith: [],
      iterations: [
        {
          index: 1,
          form: 'inline',
          policyName: 'ecs-chaos-deny-20261121T073000Z-1a2b3c-1',
          plannedEnd: '2026-11-21T07:31:00Z',
          deniedAfterSeconds: 1.2,
          deniedSeenBy: 'probe orders-health',
          notes: ['no allowed call was seen within 60s of the removal'],
        },
      ],
      roleUnchanged: true,
      roleDifferences: [],
    };
    const html = renderHtmlReport(result);
    assert.match(html, /<h2>Deny on the task role<\/h2>/);
    assert.match(html, /ecs-chaos-deny-20261121T073000Z-1a2b3c-1/);
    assert.ok(!html.includes(EVIL), 'what came from the user is escaped');
    const text = renderResult(result, undefined);
    assert.match(
      text,
      /window 1: inline ecs-chaos-deny-\S+ until 2026-11-21T07:31:00Z; denied 1.2s after the attach \(probe orders-health\); allowed calls not seen/,
    );
    assert.match(text, /the role's policies and tags after the run: as before/);
  });
});
