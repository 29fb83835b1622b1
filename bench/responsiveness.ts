/**
 * responsiveness: `processes` processes exchange messages flat out for `seconds`
 * (a ring carrying one token per process, so every process always has work) while
 * `perf_hooks.monitorEventLoopDelay` samples the event loop: its p99 delay must
 * stay under 20 ms, because the scheduler yields to timers and I/O. otp-ts as
 * GenServers and as raw processes; the baseline as synchronous actors, which yield
 * the same way; and an idle loop, for the machine's own noise. Each figure is the
 * median of `reps` runs, the cases taking turns.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GenServer, type Pid, Runtime, type SystemInfo } from '../src/index.js';
import { Actor, System } from './baseline/system.js';
import { compare, main, now, param, report, type Sample, signal, sleep } from './lib/harness.js';

const PROCESSES = param('processes', 1_000, 50);
const SECONDS = param('seconds', 2, 0.2);
const REPS = param('reps', 3, 1);
/** monitorEventLoopDelay's sampling interval, in ms. */
const RESOLUTION = param('resolution', 10, 5);

/** Shared by every process of a run: whether to go on, and how many messages were handled. */
interface Flow {
  running: boolean;
  handled: number;
}

/**
 * Starts the exchange with `kick`, lets it run, stops it: the event loop's p99 and
 * max delay in ms, and messages/s. The histogram records the time between two
 * ticks of its `resolution` ms timer, so the delay is that time less the resolution
 * (as fastify's under-pressure reads it).
 */
async function observe(flow: Flow, kick: () => void, seconds = SECONDS): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION });
  histogram.enable();
  const t0 = now();
  kick();
  await sleep(seconds * 1000);
  flow.running = false;
  const t1 = now();
  histogram.disable();
  return {
    value: Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION),
    max: Math.max(0, histogram.max / 1e6 - RESOLUTION),
    rate: flow.handled / ((t1 - t0) / 1000),
  };
}

interface PeerState {
  rt: Runtime;
  flow: Flow;
  next: Pid | undefined;
}

class Peer extends GenServer<PeerState, never, never, number> {
  override handleInfo(message: number | SystemInfo, state: PeerState): PeerState {
    state.flow.handled++;
    if (state.flow.running) state.rt.send(state.next!, message);
    return state;
  }
}

async function otpGenServers(): Promise<Sample> {
  const rt = new Runtime({ logger: false });
  const flow: Flow = { running: true, handled: 0 };
  const states: PeerState[] = [];
  const pids: Pid[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const state: PeerState = { rt, flow, next: undefined };
    states.push(state);
    pids.push(await rt.start(Peer, state));
  }
  for (let i = 0; i < PROCESSES; i++) states[i]!.next = pids[(i + 1) % PROCESSES];
  const sample = await observe(flow, () => {
    for (const pid of pids) rt.send(pid, 1);
  });
  await rt.shutdown();
  return sample;
}

async function otpRaw(): Promise<Sample> {
  const rt = new Runtime({ logger: false });
  const flow: Flow = { running: true, handled: 0 };
  const pids: Pid[] = new Array(PROCESSES);
  const ready = signal();
  let started = 0;
  for (let i = 0; i < PROCESSES; i++) {
    pids[i] = rt.spawn(async (self) => {
      const next = pids[(i + 1) % PROCESSES]!;
      if (++started === PROCESSES) ready.resolve();
      for (;;) {
        const message = await self.receive();
        flow.handled++;
        if (!flow.running) return;
        self.send(next, message);
      }
    });
  }
  await ready.promise;
  const sample = await observe(flow, () => {
    for (const pid of pids) rt.send(pid, 1);
  });
  await rt.shutdown();
  return sample;
}

async function baseline(): Promise<Sample> {
  const system = new System();
  const flow: Flow = { running: true, handled: 0 };
  const actors: Actor[] = new Array(PROCESSES);
  for (let i = 0; i < PROCESSES; i++) {
    actors[i] = system.spawn(
      new Actor(system, (message) => {
        flow.handled++;
        if (flow.running) system.send(actors[(i + 1) % PROCESSES]!, message);
      }),
    );
  }
  const sample = await observe(flow, () => {
    for (const actor of actors) system.send(actor, 1);
  });
  system.shutdown();
  return sample;
}

main(async () => {
  // The cases take turns, a full collection before each (no warm-up: a run is seconds long).
  const r = await compare(
    REPS,
    'lower',
    {
      // The delay of an idle event loop: what the machine itself adds (others' load, the VM).
      idle: () => observe({ running: true, handled: 0 }, () => {}, Math.min(SECONDS, 1)),
      gen: () => otpGenServers(),
      raw: () => otpRaw(),
      base: () => baseline(),
    },
    { rounds: 0, scale: 0 },
  );
  const { idle, gen, raw, base } = r;
  report('responsiveness', [
    {
      metric: 'p99 event-loop delay, GenServers',
      unit: 'ms',
      better: 'lower',
      otp: gen.value,
      baseline: base.value,
      target: { kind: 'otp', op: '<=', value: 20, advisory: true },
    },
    {
      metric: 'p99 event-loop delay, raw processes',
      unit: 'ms',
      better: 'lower',
      otp: raw.value,
      baseline: base.value,
      target: { kind: 'otp', op: '<=', value: 20, advisory: true },
    },
    {
      metric: 'p99 event-loop delay, idle loop',
      unit: 'ms',
      better: 'lower',
      otp: idle.value,
      baseline: null,
      note: 'no process running: the noise of the machine itself',
    },
    {
      metric: 'max event-loop delay, GenServers',
      unit: 'ms',
      better: 'lower',
      otp: gen.max!,
      baseline: base.max!,
    },
    {
      metric: 'max event-loop delay, raw processes',
      unit: 'ms',
      better: 'lower',
      otp: raw.max!,
      baseline: base.max!,
    },
    {
      metric: 'messages meanwhile, GenServers',
      unit: 'msgs/s',
      better: 'higher',
      otp: gen.rate!,
      baseline: base.rate!,
    },
    {
      metric: 'messages meanwhile, raw processes',
      unit: 'msgs/s',
      better: 'higher',
      otp: raw.rate!,
      baseline: base.rate!,
    },
  ]);
});
