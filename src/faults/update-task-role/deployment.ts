/** Moved to the engine (every task-definition fault rolls the same way): engine/deployment-config.ts. */
export { chaosDeploymentConfiguration, sameDeploymentLimits } from '../../engine/deployment-config.js';
