/**
 * The region check accepts every region of every AWS partition (the list and the partitions as
 * botocore's partitions.json gives them), with role ARNs of the region's partition, and refuses a
 * role ARN of another partition and text that is no region.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadExperimentSpec } from '../../src/config/load.js';
import { InvalidInputError } from '../../src/errors.js';

/** Partition -> regions, from botocore's data/partitions.json. */
const REGIONS: Record<string, readonly string[]> = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-south-2',
    'ap-southeast-5',
    'ap-southeast-7',
    'ca-west-1',
    'eu-central-2',
    'il-central-1',
    'me-central-1',
    'mx-central-1',
    'sa-east-1',
    'us-east-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-eusc': ['eusc-de-east-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
};

function load(region: string, partition: string): ReturnType<typeof loadExperimentSpec> {
  return loadExperimentSpec({
    flags: {
      cluster: 'prod',
      service: 'orders',
      region,
      taskRole: `arn:${partition}:iam::123456789012:role/chaos`,
      assumeRoleArn: `arn:${partition}:iam::123456789012:role/runner`,
    },
    env: {},
    cwd: process.cwd(),
  });
}

describe('the region check', () => {
  for (const [partition, regions] of Object.entries(REGIONS)) {
    test(`accepts the regions of ${partition} with roles of ${partition}`, () => {
      for (const region of regions) {
        const spec = load(region, partition);
        assert.equal(spec.region, region);
        assert.equal(spec.taskRoleArn, `arn:${partition}:iam::123456789012:role/chaos`);
      }
    });
  }

  test('refuses a role of another partition than the region', () => {
    assert.throws(() => load('eusc-de-east-1', 'aws'), InvalidInputError);
  });

  test('refuses text that is no region, naming the field and the value', () => {
    for (const bad of ['us-east', 'US-EAST-1', 'eusc-de-east-1a', 'us_east_1', 'aws-global']) {
      assert.throws(
        () => load(bad, 'aws'),
        (error: unknown) => error instanceof InvalidInputError && error.message.includes(bad),
        bad,
      );
    }
  });
});
