/** @internal The agent another node runs for the page (started there by the observer). */
export { ObserverAgent } from './agent.js';
export { type Observer, type ObserverOptions, startObserver } from './observer.js';
