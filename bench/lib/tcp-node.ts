/**
 * The other node of bench/tcp.ts, in its own OS process: an otp-ts node reachable over
 * TCP, serving the counter of bench/lib/counter.ts under the name `counter`.
 *
 *   node --import ./bench/lib/register.mjs bench/lib/tcp-node.ts <node> <cookie> <epmd port>
 *
 * Prints `ready` once the counter runs and the node is registered with the port
 * mapper; stops when its stdin closes (the bench process ended, however it ended).
 */
import { Runtime } from '../../src/index.js';
import { Counter } from './counter.js';

const [node, cookie, epmd] = process.argv.slice(2);
if (node === undefined || cookie === undefined || epmd === undefined) {
  throw new Error('tcp-node: expected <node> <cookie> <epmd port>');
}

const rt = new Runtime({ logger: false, node });
await rt.start(Counter, 0, { name: 'counter' });
await rt.startDistribution({ cookie, epmd: Number(epmd) });
process.stdout.write('ready\n');

process.stdin.resume();
process.stdin.on('end', () => {
  // Exit with a clean shutdown, so that a --cpu-prof profile is written.
  void rt.shutdown().finally(() => process.exit(0));
});
