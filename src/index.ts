/**
 * The library API of ecs-chaos. Explicit exports only.
 */
export { ChaosError, InvalidInputError, type ChaosErrorOptions, type ErrorFault } from './errors.js';
export { parseArn, parseRoleArn, formatArn, PARTITIONS, type Arn, type RoleArn } from './aws/arn.js';
export { VERSION } from './version.js';
