import pkg from '../package.json' with { type: 'json' };

/** The version of ecs-chaos. */
export const VERSION: string = pkg.version;
