/**
 * The tunables of one fault or a few: the field table's second part (see fields.ts), parsed by
 * fault-params.ts. Given to a fault they do not belong to, they are bad input.
 */
import type { FieldDefinition } from './fields.js';

/** A tunable of some faults only: given to another fault, it is bad input naming these. */
export interface FaultFieldDefinition extends FieldDefinition {
  /** The faults the field applies to. */
  readonly faults: readonly string[];
}

/**
 * The tunables of one fault or a few (parsed by config/fault-params.ts). Each reads its seed env
 * var; `--help` lists them after the common ones.
 */
export const FAULT_FIELDS = {
  executionRole: {
    key: 'executionRole',
    flag: '--execution-role',
    valueName: '<arn>',
    env: 'EXECUTION_ROLE',
    fileKeys: ['executionRole', 'EXECUTION_ROLE'],
    type: 'roleArn',
    description:
      "update-execution-role: ARN of the chaos task execution role (required); an empty value ('') removes it",
    default: undefined,
    required: true,
    emptyMeansNone: true,
    faults: ['update-execution-role'],
  },
  cpuLimit: {
    key: 'cpuLimit',
    flag: '--cpu-limit',
    valueName: '<units>',
    env: 'CPU_LIMIT',
    fileKeys: ['cpuLimit', 'CPU_LIMIT'],
    type: 'string',
    description: 'update-container-resource-limit: container cpu in CPU units (1024 = 1 vCPU)',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['update-container-resource-limit'],
  },
  memoryLimit: {
    key: 'memoryLimit',
    flag: '--memory-limit',
    valueName: '<MiB>',
    env: 'MEMORY_LIMIT',
    fileKeys: ['memoryLimit', 'MEMORY_LIMIT'],
    type: 'string',
    description: 'update-container-resource-limit: container memory hard limit in MiB',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['update-container-resource-limit'],
  },
  startTimeout: {
    key: 'startTimeout',
    flag: '--start-timeout',
    valueName: '<seconds>',
    env: 'START_TIMEOUT',
    fileKeys: ['startTimeout', 'START_TIMEOUT'],
    type: 'string',
    description: 'update-container-timeout: container startTimeout in seconds',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['update-container-timeout'],
  },
  stopTimeout: {
    key: 'stopTimeout',
    flag: '--stop-timeout',
    valueName: '<seconds>',
    env: 'STOP_TIMEOUT',
    fileKeys: ['stopTimeout', 'STOP_TIMEOUT'],
    type: 'string',
    description: 'update-container-timeout: container stopTimeout in seconds (Fargate: at most 120)',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['update-container-timeout'],
  },
  image: {
    key: 'image',
    flag: '--image',
    valueName: '<reference>',
    env: 'IMAGE',
    fileKeys: ['image', 'IMAGE'],
    type: 'string',
    description: 'invalid-container-image: the image the chaos containers name (default: one that cannot be pulled)',
    default: 'ecs-chaos.invalid/unpullable:chaos',
    required: false,
    emptyMeansNone: false,
    faults: ['invalid-container-image'],
  },
  containerNames: {
    key: 'containerNames',
    flag: '--container-names',
    valueName: '<names>',
    env: 'CONTAINER_NAMES',
    fileKeys: ['containerNames', 'CONTAINER_NAMES'],
    type: 'string',
    description:
      'update-container-resource-limit, update-container-timeout, invalid-container-image: comma-separated containers to change (default: all)',
    default: undefined,
    required: false,
    emptyMeansNone: true,
    faults: ['update-container-resource-limit', 'update-container-timeout', 'invalid-container-image'],
  },
  taskCount: {
    key: 'taskCount',
    flag: '--task-count',
    valueName: '<n>',
    env: 'TASK_COUNT',
    fileKeys: ['taskCount', 'TASK_COUNT'],
    type: 'string',
    description:
      'task-stop: how many RUNNING tasks of the service to stop per iteration (instead of TASK_REPLICA_AFFECTED_PERC)',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['task-stop'],
  },
  taskReplicaId: {
    key: 'taskReplicaId',
    flag: '--task-replica-id',
    valueName: '<ids>',
    env: 'TASK_REPLICA_ID',
    fileKeys: ['taskReplicaId', 'TASK_REPLICA_ID'],
    type: 'string',
    description: 'task-stop: comma-separated ids or ARNs of RUNNING tasks of the service to stop (instead of a share)',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['task-stop'],
  },
  sequence: {
    key: 'sequence',
    flag: '--sequence',
    valueName: '<serial|parallel>',
    env: 'SEQUENCE',
    fileKeys: ['sequence', 'SEQUENCE'],
    type: 'string',
    description:
      'task-stop: serial stops one task, waits until ECS replaced it, then the next; parallel stops them all at once',
    default: 'serial',
    required: false,
    emptyMeansNone: false,
    faults: ['task-stop'],
  },
  actions: {
    key: 'actions',
    flag: '--actions',
    valueName: '<actions>',
    env: 'DENY_ACTIONS',
    fileKeys: ['actions', 'denyActions', 'DENY_ACTIONS'],
    type: 'string',
    description:
      'deny-task-permissions: comma-separated IAM actions to deny the running task role, wildcards as IAM allows (s3:PutObject,dynamodb:*)',
    default: undefined,
    required: false,
    emptyMeansNone: false,
    faults: ['deny-task-permissions'],
  },
  resources: {
    key: 'resources',
    flag: '--resources',
    valueName: '<arns>',
    env: 'DENY_RESOURCES',
    fileKeys: ['resources', 'denyResources', 'DENY_RESOURCES'],
    type: 'string',
    description: 'deny-task-permissions: comma-separated resource ARNs the Deny applies to, wildcards as IAM allows',
    default: '*',
    required: false,
    emptyMeansNone: false,
    faults: ['deny-task-permissions'],
  },
  denyAll: {
    key: 'denyAll',
    flag: '--deny-all',
    env: 'DENY_ALL',
    fileKeys: ['denyAll', 'DENY_ALL'],
    type: 'boolean',
    description: 'deny-task-permissions: deny every action the task role allows (instead of --actions)',
    default: false,
    required: false,
    emptyMeansNone: false,
    faults: ['deny-task-permissions'],
  },
  allowSharedRole: {
    key: 'allowSharedRole',
    flag: '--allow-shared-role',
    env: 'ALLOW_SHARED_ROLE',
    fileKeys: ['allowSharedRole', 'ALLOW_SHARED_ROLE'],
    type: 'boolean',
    description:
      'deny-task-permissions: run even when other services, tasks or principals use the task role (the Deny reaches them too)',
    default: false,
    required: false,
    emptyMeansNone: false,
    faults: ['deny-task-permissions'],
  },
} as const satisfies Record<string, FaultFieldDefinition>;

/** A fault tunable's camelCase key. */
export type FaultFieldKey = keyof typeof FAULT_FIELDS;

/** The fault tunables in `--help` order. */
export const FAULT_FIELD_LIST: readonly FaultFieldDefinition[] = Object.values(FAULT_FIELDS);
