/** Calls started together and examined in order (the helpers live in aws/settled.ts, shared with the faults). */
export { awsErrorName, settle, unsettle, type Settled } from '../aws/settled.js';
