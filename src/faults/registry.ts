/**
 * The faults the engine drives, by name. Adding a fault: its module under `src/faults/<name>/`, its
 * name in config/spec.ts FAULTS, and one line here.
 */
import type { FaultName } from '../config/spec.js';
import { denyTaskPermissions } from './deny-task-permissions/index.js';
import { invalidContainerImage } from './invalid-container-image/index.js';
import type { Fault, TaskDefinitionFault } from './types.js';
import { ChaosError } from '../errors.js';
import { updateContainerResourceLimit } from './update-container-resource-limit/index.js';
import { updateContainerTimeout } from './update-container-timeout/index.js';
import { updateExecutionRole } from './update-execution-role/index.js';
import { updateTaskRole } from './update-task-role/index.js';
import { taskStop } from './task-stop/index.js';

const FAULT_MODULES: Readonly<Record<FaultName, Fault>> = {
  'update-task-role': updateTaskRole,
  'update-execution-role': updateExecutionRole,
  'update-container-resource-limit': updateContainerResourceLimit,
  'update-container-timeout': updateContainerTimeout,
  'invalid-container-image': invalidContainerImage,
  'task-stop': taskStop,
  'deny-task-permissions': denyTaskPermissions,
};

/**
 * The module of the fault a chaos revision's `ecs-chaos:fault` marker names; undefined for a name
 * this version does not know (a newer ecs-chaos wrote it). Markers written before the marker existed
 * are update-task-role's.
 */
export function faultOfMarker(value: string | undefined): TaskDefinitionFault | undefined {
  const fault = faultNamed(value ?? 'update-task-role');
  return fault?.kind === 'task-definition' ? fault : undefined;
}

/** The module of a fault by a name read from somewhere (a result file); undefined when unknown. */
export function faultNamed(name: string): Fault | undefined {
  return Object.hasOwn(FAULT_MODULES, name) ? FAULT_MODULES[name as FaultName] : undefined;
}

/** The module of a task-definition fault; the engine's task-definition lifecycle calls only these. */
export function taskDefinitionFault(name: FaultName): TaskDefinitionFault {
  const fault = FAULT_MODULES[name];
  if (fault.kind !== 'task-definition') {
    throw new ChaosError('INTERNAL', `${name} changes no task definition: its episode drives it`, { fault: 'tool' });
  }
  return fault;
}

/** The module of a fault. */
export function faultModule(name: FaultName): Fault {
  return FAULT_MODULES[name];
}

/** The faults that may leave something outside ECS, which `status` and `recover` look for. */
export function faultsWithLeftovers(): Fault[] {
  return Object.values(FAULT_MODULES).filter((f) => f.leftovers !== undefined);
}
