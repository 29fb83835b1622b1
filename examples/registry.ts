/**
 * A Registry two ways: unique keys as process names (`{ via, key }`), and duplicate
 * keys as a pub/sub topic that `dispatch` fans a message out to.
 *
 * Run it with `npx tsx examples/registry.ts`.
 */
import { type From, GenServer, Registry, Runtime, reply, Timeout } from 'otp-ts';

/** A room that remembers its name. */
class Room extends GenServer<string> {
  override handleCall(_request: 'name', _from: From, name: string) {
    return reply(name, name);
  }
}

const rt = new Runtime({ logger: false });

// Unique keys: a name per room, usable wherever a name is.
await rt.start(Registry, { keys: 'unique' }, { name: 'Rooms' });
for (const room of ['lobby', 'kitchen']) {
  await rt.start(Room, room, { name: { via: 'Rooms', key: room } });
}
console.log('kitchen says', await GenServer.call(rt, { via: 'Rooms', key: 'kitchen' }, 'name'));
console.log('lookup lobby:', Registry.lookup(rt, 'Rooms', 'lobby').length, 'entry');

// Duplicate keys: subscribers to a topic.
await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
let heard = 0;
let allHeard!: () => void;
const everyone = new Promise<void>((resolve) => (allHeard = resolve));
let registered = 0;
let allRegistered!: () => void;
const ready = new Promise<void>((resolve) => (allRegistered = resolve));
for (let i = 0; i < 3; i++) {
  rt.spawn(async (self) => {
    Registry.register(self, 'Topics', 'news', `subscriber ${i}`);
    if (++registered === 3) allRegistered();
    const message = await self.receive({ timeout: 5_000 });
    if (message !== Timeout && ++heard === 3) allHeard();
  });
}
await ready;
Registry.dispatch(rt, 'Topics', 'news', (entries) => {
  for (const [pid] of entries) rt.send(pid, 'extra! extra!');
});
await everyone;
console.log('subscribers that heard the news:', heard);

await rt.shutdown();
