/**
 * The faults the engine drives, by name. Adding a fault: its module under `src/faults/<name>/`, its
 * name in config/spec.ts FAULTS, and one line here.
 */
import type { FaultName } from '../config/spec.js';
import type { Fault } from './types.js';
import { updateTaskRole } from './update-task-role/index.js';

const FAULT_MODULES: Readonly<Record<FaultName, Fault>> = {
  'update-task-role': updateTaskRole,
};

/**
 * The module of the fault a chaos revision's `ecs-chaos:fault` marker names; undefined for a name
 * this version does not know (a newer ecs-chaos wrote it). Markers written before the marker existed
 * are update-task-role's.
 */
export function faultOfMarker(value: string | undefined): Fault | undefined {
  const name = value ?? 'update-task-role';
  return Object.hasOwn(FAULT_MODULES, name) ? FAULT_MODULES[name as FaultName] : undefined;
}

/** The module of a fault. */
export function faultModule(name: FaultName): Fault {
  return FAULT_MODULES[name];
}
