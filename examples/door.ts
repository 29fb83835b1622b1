/**
 * The code lock of the gen_statem documentation, as a GenStatem: a door that is
 * locked until the right code is pressed, then open until a state timeout locks it
 * again. Buttons pressed while it is open are postponed: they count only once it is
 * locked again. A caller can wait for the lock with a call the open door postpones.
 *
 * Run it with `npx tsx examples/door.ts`.
 */
import {
  type Caller,
  type ExitReason,
  GenStatem,
  type Returns,
  Runtime,
  Statem,
  type StatemEvent,
} from 'otp-ts';

// ── Machine ──────────────────────────────────────────────────────────────────

type DoorState = 'locked' | 'open';
interface DoorData {
  code: string;
  /** The digits pressed since the door last locked. */
  input: string;
  /** How long the door stays open, in ms. */
  openFor: number;
}
type DoorCall =
  | ({ type: 'state' } & Returns<DoorState>)
  | ({ type: 'await_locked' } & Returns<'locked'>);
type DoorCast = { type: 'button'; digit: string };
type DoorEvent = StatemEvent<DoorState, DoorCall, DoorCast>;

class Door extends GenStatem<DoorState, DoorData, DoorCall, DoorCast> {
  /** Enter calls: locking and unlocking happen as a state is entered. */
  static override stateEnter = true;

  override init({ code, openFor }: { code: string; openFor: number }) {
    return Statem.ok('locked', { code, input: '', openFor });
  }

  override handleEvent(event: DoorEvent, state: DoorState, data: DoorData) {
    // Calls are answered the same way in both states, but for await_locked.
    if (event.type === 'call') {
      const request = event.content;
      if (request.type === 'state') {
        return Statem.keepStateAndData([Statem.replyTo(event.from, request, state)]);
      }
      // While open, wait: the call is retried once the state changes.
      if (state === 'open') return Statem.keepStateAndData([{ type: 'postpone' }]);
      return Statem.keepStateAndData([Statem.replyTo(event.from, request, 'locked')]);
    }
    switch (state) {
      case 'locked':
        return this.#locked(event, data);
      case 'open':
        return this.#open(event, data);
    }
  }

  #locked(event: DoorEvent, data: DoorData) {
    switch (event.type) {
      case 'enter':
        console.log('locked');
        return Statem.keepState({ ...data, input: '' });
      case 'cast': {
        const input = (data.input + event.content.digit).slice(-data.code.length);
        if (input === data.code) return Statem.nextState('open', data);
        return Statem.keepState({ ...data, input });
      }
      default:
        return Statem.keepStateAndData();
    }
  }

  #open(event: DoorEvent, data: DoorData) {
    switch (event.type) {
      case 'enter':
        console.log('open');
        // The state timeout belongs to this state: leaving it earlier would cancel it.
        return Statem.keepStateAndData([
          { type: 'state_timeout', time: data.openFor, content: 'lock' },
        ]);
      case 'state_timeout':
        return Statem.nextState('locked', data);
      case 'cast':
        // A button pressed while open counts once locked again.
        console.log(`button ${event.content.digit} postponed`);
        return Statem.keepStateAndData([{ type: 'postpone' }]);
      default:
        return Statem.keepStateAndData();
    }
  }

  override terminate(reason: ExitReason, state: DoorState): void {
    console.log(`door stopping (${String(reason)}) while ${state}`);
  }
}

// ── Client API ───────────────────────────────────────────────────────────────

const NAME = 'door';

function press(caller: Caller, digits: string): void {
  for (const digit of digits) GenStatem.cast(caller, NAME, { type: 'button', digit });
}

function doorState(caller: Caller): Promise<DoorState> {
  return GenStatem.call(caller, NAME, { type: 'state' });
}

function awaitLocked(caller: Caller): Promise<'locked'> {
  return GenStatem.call(caller, NAME, { type: 'await_locked' });
}

// ── Script ───────────────────────────────────────────────────────────────────

const rt = new Runtime();
await rt.start(Door, { code: '1234', openFor: 300 }, { name: NAME });

press(rt, '1234');
console.log(`after 1234: ${await doorState(rt)}`);

// Pressed while open: postponed, then counted once locked, so 1 2 3 4 opens it again.
press(rt, '12');
console.log(`after awaiting the lock: ${await awaitLocked(rt)}`);
press(rt, '34');
console.log(`after 34: ${await doorState(rt)}`);
console.log(`after awaiting the lock: ${await awaitLocked(rt)}`);

await GenStatem.stop(rt, NAME);
await rt.shutdown();
