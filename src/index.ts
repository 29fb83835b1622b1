export { Agent, type AgentRef } from './behaviours/agent.js';
export { type Caller, From } from './behaviours/gen.js';
export {
  type Awaitable,
  type CallOf,
  type CallResult,
  type CallVariant,
  type CastOf,
  type CastResult,
  GenServer,
  type InitResult,
  type ServerRef,
  type SystemInfo,
} from './behaviours/gen-server.js';
export {
  GenStatem,
  type StatemHandleResult,
  type StatemInitResult,
} from './behaviours/gen-statem/gen-statem.js';
export { Statem, StatemOk, StatemResult } from './behaviours/gen-statem/results.js';
export type {
  StatemAction,
  StatemCallEvent,
  StatemCastEvent,
  StatemEnterEvent,
  StatemEvent,
  StatemGenericTimeoutAction,
  StatemGenericTimeoutEvent,
  StatemInfoEvent,
  StatemInsertedEvent,
  StatemInternalEvent,
  StatemNextEventAction,
  StatemPostponeAction,
  StatemReplyAction,
  StatemStateTimeoutAction,
  StatemStateTimeoutEvent,
  StatemTimeoutAction,
  StatemTimeoutEvent,
} from './behaviours/gen-statem/types.js';
export {
  Registry,
  type RegistryEntry,
  type RegistryKeys,
  type RegistrySpec,
} from './behaviours/registry.js';
export {
  IgnoreResult,
  ignore,
  NoReplyResult,
  noreply,
  OkResult,
  ok,
  type ReplyOf,
  ReplyResult,
  type ResultOptions,
  type Returns,
  reply,
  replyTo,
  StopResult,
  stop,
} from './behaviours/results.js';
export type { SysStatistics, SysStatus } from './behaviours/server-callbacks.js';
export type {
  Backoff,
  CheckedChild,
  CheckedChildren,
  ChildInput,
  ChildSpec,
  ChildType,
  RestartType,
  ShutdownSpec,
  StartFunction,
  StartTuple,
} from './behaviours/supervision/child-spec.js';
export {
  DynamicSupervisor,
  type DynamicSupervisorSpec,
} from './behaviours/supervision/dynamic-supervisor.js';
export {
  type Strategy,
  Supervisor,
  type SupervisorFlags,
  type SupervisorSpec,
} from './behaviours/supervision/supervisor.js';
export type { ChildCount, ChildInfo } from './behaviours/supervision/supervisor-core.js';
export { Sys } from './behaviours/sys.js';
export type { AsyncStreamOptions } from './behaviours/task/async-stream.js';
export { Task, type TaskFunction } from './behaviours/task/task.js';
export type { TaskResult } from './behaviours/task/task-state.js';
export { TaskSupervisor, type TaskSupervisorSpec } from './behaviours/task/task-supervisor.js';
export { registerMessageClass } from './core/copy.js';
export { Pid, Ref } from './core/pid.js';
export type { ReceiveOptions } from './core/raw-process.js';
export type {
  DistributionOptions,
  DistributionTlsOptions,
  Peer,
  PeerOptions,
} from './core/remote.js';
export { Runtime, Self } from './core/runtime.js';
export {
  type BehaviourClass,
  defaultInitArg,
  type InitArg,
  type ProcessInfo,
  type RuntimeEvents,
  type RuntimeOptions,
  type StartOptions,
} from './core/runtime-types.js';
export type { ProcessSignal, SpawnOptions } from './core/self.js';
export { Down, Exit, isNormalExit, Timeout } from './core/signals.js';
export { BitBinary, ImproperList, OpaqueTerm, Tuple } from './core/terms.js';
export {
  Trace,
  type TraceCallEvent,
  type TraceEndReason,
  type TraceEvent,
  type TraceEventKind,
  type TraceExitEvent,
  type TraceLinkEvent,
  type TraceOptions,
  type TraceReceiveEvent,
  type TraceRestartEvent,
  type TraceSendEvent,
  type TraceSpawnEvent,
} from './core/trace.js';
export { NodeDown } from './dist/nodes.js';
export {
  AlreadyRegisteredError,
  AlreadyStartedError,
  CallError,
  CallTimeoutError,
  InvalidChildSpecError,
  MaxChildrenError,
  NodeError,
  NoProcError,
  OtpError,
  StartError,
  SupervisorError,
  TaskError,
} from './errors.js';
export { type CrashReport, formatCrashReport, type Logger } from './logger.js';
export type { BehaviourRef, Dest, ExitReason, Name, RemoteName, ViaName } from './types.js';
