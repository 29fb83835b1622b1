export { Queue } from './queue.js';
export { Registry } from './registry.js';
export { call, cast, Server, start } from './server.js';
export { type ChildSpec, Supervisor } from './supervisor.js';
export { Actor, ExitSignal, Proc, Process, System } from './system.js';
