/**
 * # The limit baseline
 *
 * The least a JavaScript actor runtime can do, written to be as fast as we know how:
 * the ceiling otp-ts is measured against (`bench/baseline/`, beside it, is the other
 * baseline: a hand-written runtime that keeps otp-ts's contract).
 *
 * - **An actor is one object** with a handler shared by every actor of its kind (a
 *   function of the actor, the message and the caller's resolver) and its state in a
 *   field: no closure per actor. An idle actor is that object and a slot in the
 *   process table.
 * - **The mailbox is a growable ring buffer** of slots, made on the first message. A
 *   cast takes one slot, the message itself: nothing is allocated per message beyond
 *   the message. (A (message, resolver) pair for every message, and a call wrapped in
 *   an object, were measured too, and were slower: see bench/RESULTS.md.)
 * - **A call is a promise whose resolver travels in the message**: three slots, a
 *   private marker, the request and the resolver, which the handler gets beside the
 *   request and calls with the reply. One shared executor makes the promise (no
 *   closure per call).
 * - **One run queue** (a ring buffer of actors) drained with a budget per activation:
 *   an actor handles at most `budget` (200) messages, then goes to the back of the
 *   queue. A send never runs the receiver synchronously: the queue is drained in a
 *   microtask, and yields to the event loop (setImmediate) once a 4 ms slice has
 *   passed (the clock read once per 64 activations and drains). A handler that throws
 *   ends its actor.
 * - **Exits are synchronous**: an exiting actor leaves the process table (a swap with
 *   the last slot) and the name table, drops its mailbox, and its link (the
 *   supervisor) gets an ExitSignal message.
 * - **A one_for_one supervisor** restarts a child in place within an intensity kept
 *   as a ring of restart times.
 *
 * It has no pids apart from the actor objects, no monitors, timers, call timeouts,
 * selective receive, async bodies waiting in receive, validation, events or crash
 * reports: that is the work otp-ts does on top, and what the ratio to the limit
 * measures. A client that awaits calls is an actor running an async function once
 * (`spawnTask`).
 */
export {
  Actor,
  call,
  cast,
  DEAD,
  ExitSignal,
  type Handler,
  LimitRuntime,
  type Resolver,
  spawnTask,
  type Task,
} from './runtime.js';
export { type ChildSpec, type SupervisorOptions, startSupervisor } from './supervisor.js';
