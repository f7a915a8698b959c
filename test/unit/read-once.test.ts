import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IamPort } from '../../src/aws/ports.js';
import { readOnce } from '../../src/aws/read-once.js';

test('readOnce: a read is made once per distinct input and its answer shared; writes always go through', async () => {
  const calls: string[] = [];
  const fake = {
    getRole: (input: { RoleName: string }) => {
      calls.push(`getRole ${input.RoleName}`);
      return Promise.resolve({ Role: { RoleName: input.RoleName } });
    },
    listRolePolicies: (input: { RoleName: string }) => {
      calls.push(`listRolePolicies ${input.RoleName}`);
      return Promise.reject(new Error('AccessDenied'));
    },
    deleteRolePolicy: (input: { RoleName: string }) => {
      calls.push(`deleteRolePolicy ${input.RoleName}`);
      return Promise.resolve({});
    },
  } as unknown as IamPort;
  const iam = readOnce(fake);
  const [a, b] = await Promise.all([iam.getRole({ RoleName: 'x' }), iam.getRole({ RoleName: 'x' })]);
  assert.equal(a, b, 'the same answer, shared');
  await iam.getRole({ RoleName: 'y' });
  for (let i = 0; i < 2; i++)
    await assert.rejects(iam.listRolePolicies({ RoleName: 'x' }), /AccessDenied/, 'a refusal is shared too');
  await iam.deleteRolePolicy({ RoleName: 'x', PolicyName: 'p' });
  await iam.deleteRolePolicy({ RoleName: 'x', PolicyName: 'p' });
  assert.deepEqual(calls, ['getRole x', 'getRole y', 'listRolePolicies x', 'deleteRolePolicy x', 'deleteRolePolicy x']);
});
