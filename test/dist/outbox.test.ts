import { describe, expect, it } from 'vitest';
import '../../src/dist/nodes.js';
import { type NodeLayer, nodeLayerOf } from '../../src/dist/node.js';
import { type From, GenServer, Runtime, reply } from '../../src/index.js';

/** A channel to a node that is not there: it only records when batches leave. */
function recordingChannel(layer: NodeLayer, node: string, log: string[]) {
  return {
    node,
    creation: 7,
    codec: layer.threadCodec,
    post: (batch: unknown[]) => log.push(`batch of ${batch.length} fields to ${node}`),
    close: () => {},
  };
}

describe('the node layer as the scheduler outbox', () => {
  it("sends a turn's batch for another node before the local processes of that turn run", async () => {
    const rt = new Runtime({ node: 'main@localhost', logger: false });
    const log: string[] = [];
    const layer = nodeLayerOf(rt);
    layer.accept(recordingChannel(layer, 'other@localhost', log));
    class Worker extends GenServer<null, 'work', 'work'> {
      override init() {
        return null;
      }
      override handleCast(_request: 'work', state: null) {
        log.push('local work');
        return state;
      }
      override handleCall(_request: 'work', _from: From, state: null) {
        return reply('done', state);
      }
    }
    const local = await rt.start(Worker, undefined);
    const remote = layer.pid('other@localhost', 42, 7);
    // One turn: work for a local process, then a message for the other node.
    GenServer.cast(rt, local, 'work');
    rt.send(remote, 'work for the other node');
    // A call after them: once it is answered, the turn's work has run.
    await GenServer.call(rt, local, 'work');
    expect(log.slice(0, 2)).toEqual(['batch of 4 fields to other@localhost', 'local work']);
    await rt.shutdown();
  });
});
