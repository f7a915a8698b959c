/**
 * invalid-container-image: the chaos revision's containers name an image that cannot be pulled
 * (IMAGE; by default a reference in RFC 2606's reserved `.invalid` domain, which never resolves);
 * CONTAINER_NAMES chooses the containers (default all). The chaos tasks fail to start with
 * CannotPullContainerError: that is the effect; the service keeps serving from its untouched tasks.
 */
import { FAULT_FIELDS } from '../../config/fields.js';
import type { ExperimentSpec } from '../../config/spec.js';
import {
  carriesContainerFields,
  checkContainerNames,
  containerOf,
  describeContainerFields,
  describeContainers,
  mapContainers,
  takeOutContainerFields,
  targetNames,
} from '../containers.js';
import type { TaskDefinitionFault } from '../types.js';

/** The default IMAGE: its registry host is in `.invalid`, a top-level domain that never resolves. */
export const UNPULLABLE_IMAGE = FAULT_FIELDS.image.default;

const imageOf = (spec: ExperimentSpec): string => spec.faultParams?.image ?? UNPULLABLE_IMAGE;

/** Whether a reference's registry host is in `.invalid` (the first path part, when it has a dot or port). */
export function isUnresolvableImage(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && /\.invalid(:\d+)?$/i.test(first);
}

export const invalidContainerImage: TaskDefinitionFault<undefined> = {
  name: 'invalid-container-image',
  kind: 'task-definition',
  effectPhrase: 'the chaos tasks failed to pull their image',
  changedFields: [/^containerDefinitions\[\d+\]\.image$/],
  expectsLaunchFailure: /CannotPullContainerError/,

  startReads() {
    return undefined;
  },

  async check(ctx) {
    const { original, spec } = ctx;
    const targets = checkContainerNames(ctx);
    const image = imageOf(spec);
    if (targets.every((c) => c.image === image))
      ctx.fail(
        'the fault changes something',
        `every chosen container already runs ${image}: the fault would change nothing. Fix: pass another IMAGE, or leave it unset for an unpullable one`,
      );
    ctx.record('the fault changes something', 'pass', this.describe(original, spec));
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
    await Promise.resolve();
  },

  plannedReads() {
    return [];
  },

  apply(copy, spec) {
    return mapContainers(copy, targetNames(copy, spec), (c) => ({ ...c, image: imageOf(spec) }));
  },

  describe(original, spec) {
    return describeContainers(original, spec, [['image', 'image', imageOf(spec)]]);
  },

  describeChaos(spec) {
    const names = spec.faultParams?.containerNames;
    return `image ${imageOf(spec)}${names ? ` (${names.join(', ')})` : ''}`;
  },

  verifyRegistered(chaos, spec) {
    const wrong = targetNames(chaos, spec).filter((name) => containerOf(chaos, name)?.image !== imageOf(spec));
    return wrong.length === 0 ? undefined : `the chaos revision's ${wrong.join(', ')} do(es) not run ${imageOf(spec)}`;
  },

  describeCarried(candidate, original) {
    return describeContainerFields(candidate, original, ['image']);
  },

  takeOut(copy, original) {
    return takeOutContainerFields(copy, original, ['image']);
  },

  carries(candidate, original, chaos) {
    return carriesContainerFields(candidate, original, chaos, ['image']);
  },
};
