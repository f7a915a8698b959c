/** Sharing the answers of read calls within one scan. */
import type { IamPort } from './ports.js';

/**
 * An IAM port whose reads (`get...`, `list...`) are made once per distinct input and shared: a scan
 * reads the same role for every service that runs with it. Writes pass through unchanged.
 */
export function readOnce(iam: IamPort): IamPort {
  const answers = new Map<string, Promise<unknown>>();
  return new Proxy(iam, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || typeof value !== 'function' || !/^(get|list)[A-Z]/.test(property))
        return value;
      return (input: unknown, options?: unknown): Promise<unknown> => {
        const key = `${property} ${JSON.stringify(input)}`;
        let answer = answers.get(key);
        if (!answer) {
          answer = (value as (i: unknown, o?: unknown) => Promise<unknown>).call(target, input, options);
          answers.set(key, answer);
        }
        return answer;
      };
    },
  });
}
