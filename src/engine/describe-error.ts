/** Errors in one short phrase for retry lines and warnings: the name and the real cause. */
export { describeAwsError as describeError } from '../aws/error-cause.js';
