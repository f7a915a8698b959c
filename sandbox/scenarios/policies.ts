/** Trust policies the scenarios use. */

/** A trust policy that lets one AWS service principal assume the role. */
export function trustService(service: string): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

/** A trust policy that lets any principal of the account assume the role (if its own policy allows). */
export function trustAccount(accountId: string): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }],
  };
}
