import type { Scenario } from './types.js';

/** An empty account: the administrator `admin` (key `test`) and the AWS managed policies, no ECS. */
export const emptyScenario: Scenario = () => {};
