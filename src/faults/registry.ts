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

/** The module of a fault. */
export function faultModule(name: FaultName): Fault {
  return FAULT_MODULES[name];
}
