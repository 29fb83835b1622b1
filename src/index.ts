export { Pid, Ref } from './core/pid.js';
export { type ReceiveOptions, Self, Timeout } from './core/process.js';
export {
  type BehaviourClass,
  type InitArg,
  type ProcessInfo,
  Runtime,
  type RuntimeEvents,
  type RuntimeOptions,
  type SpawnOptions,
  type StartOptions,
} from './core/runtime.js';
export { Down, Exit, isNormalExit } from './core/signals.js';
export {
  AlreadyRegisteredError,
  AlreadyStartedError,
  CallError,
  CallTimeoutError,
  InvalidChildSpecError,
  MaxChildrenError,
  NoProcError,
  OtpError,
  StartError,
  SupervisorError,
} from './errors.js';
export { type CrashReport, formatCrashReport, type Logger } from './logger.js';
export type { Dest, ExitReason, Name, ViaName } from './types.js';
