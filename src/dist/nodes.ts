// The node layer with its carriers, as the package root loads it: loading this file
// installs the node layer in the core (node.ts) and the thread carrier in the node
// layer (carriers/thread.ts), so that `new Runtime({ node })` is a node that can
// start peers.
import './carriers/thread.js';

export { NodeDown } from './node.js';
