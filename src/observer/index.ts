export { type Observer, type ObserverOptions, startObserver } from './observer.js';
