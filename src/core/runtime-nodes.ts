import { describeValue } from '../describe.js';
import { NodeError } from '../errors.js';
import type { Process } from './process.js';
import type { DistributionOptions, NodeService, Peer, PeerOptions } from './remote.js';

/** What the node operations need from the runtime. @internal */
export interface NodeHost {
  readonly name: string;
  readonly node: string;
  /** The node layer; `undefined` for a runtime with no node name. */
  readonly router: NodeService<Process> | undefined;
}

/** The node layer, or a NodeError `'not_alive'` naming the operation. @internal */
export function nodeService(host: NodeHost, operation: string): NodeService<Process> {
  if (host.router === undefined) {
    throw new NodeError(
      `${operation}: runtime ${host.name} is not a node; give it a node name: new Runtime({ node: 'app@localhost' })`,
      host.node,
      'not_alive',
    );
  }
  return host.router;
}

// The three below reject, never throw: `Runtime`'s TSDoc promises their errors as rejections.

/** `rt.startPeer`. @internal */
export function startPeer(host: NodeHost, opts: PeerOptions): Promise<Peer> {
  try {
    return nodeService(host, 'startPeer').startPeer(opts);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `rt.startDistribution`. @internal */
export function startDistribution(host: NodeHost, opts: DistributionOptions): Promise<void> {
  try {
    return nodeService(host, 'startDistribution').startDistribution(opts);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `rt.connect`. @internal */
export function connect(host: NodeHost, node: string): Promise<boolean> {
  try {
    if (typeof node !== 'string') {
      throw new TypeError(
        `connect: expected \`node\` to be a node name, got ${describeValue(node, 100)}`,
      );
    }
    return nodeService(host, 'connect').connect(node);
  } catch (error) {
    return Promise.reject(error);
  }
}
