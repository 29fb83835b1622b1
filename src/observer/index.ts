export { ObserverAgent } from './agent.js';
export { type Observer, type ObserverOptions, startObserver } from './observer.js';
