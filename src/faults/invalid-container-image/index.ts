/**
 * invalid-container-image: the chaos revision's containers name an image that cannot be pulled
 * (IMAGE; by default a reference in RFC 2606's reserved `.invalid` domain, which never resolves);
 * CONTAINER_NAMES chooses the containers (default all). The chaos tasks fail to start with
 * CannotPullContainerError: that is the effect; the service keeps serving from its untouched tasks.
 */
import { FAULT_FIELDS } from '../../config/fields.js';
import type { ExperimentSpec } from '../../config/spec.js';
import { containerFieldFault } from '../container-field-fault.js';

/** The default IMAGE: its registry host is in `.invalid`, a top-level domain that never resolves. */
export const UNPULLABLE_IMAGE = FAULT_FIELDS.image.default;

const imageOf = (spec: ExperimentSpec): string => spec.faultParams?.image ?? UNPULLABLE_IMAGE;

/** Whether a reference's registry host is in `.invalid` (the first path part, when it has a dot or port). */
export function isUnresolvableImage(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && /\.invalid(:\d+)?$/i.test(first);
}

export const invalidContainerImage = containerFieldFault({
  name: 'invalid-container-image',
  effectPhrase: 'the chaos tasks failed to pull their image',
  expectsLaunchFailure: /CannotPullContainerError/,
  fields: ['image'],
  values: (spec) => ({ image: imageOf(spec) }),
  word: (field, value) => `${field} ${value}`,
  lead: '',
  lacks: (spec) => `run ${imageOf(spec)}`,
  unchanged: (spec) =>
    `every chosen container already runs ${imageOf(spec)}: the fault would change nothing. Fix: pass another IMAGE, or leave it unset for an unpullable one`,
  check(ctx) {
    const image = imageOf(ctx.spec);
    if (!isUnresolvableImage(image))
      ctx.record(
        'the image cannot be pulled',
        'warn',
        `${image} may well be pullable (its registry is not in the reserved .invalid domain): the chaos tasks may start and run it instead of failing to pull. Leave IMAGE unset for ${UNPULLABLE_IMAGE}`,
      );
    else
      ctx.record(
        'the image cannot be pulled',
        'pass',
        `${image}: its registry host is in .invalid, which never resolves`,
      );
  },
});
