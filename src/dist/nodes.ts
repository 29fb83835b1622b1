// The node layer with its carriers, as the package root loads it: loading this file
// installs the node layer in the core (node.ts) and its carriers (carriers/thread.ts
// and carriers/tcp.ts), so that `new Runtime({ node })` is a node that can start
// peers and be distributed over TCP.
import './carriers/thread.js';
import './carriers/tcp.js';

export { NodeDown } from './node.js';
