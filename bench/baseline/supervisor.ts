import { Actor, ExitSignal, type Process, type System } from './system.js';

/** A child: its id and how to start it (the function links nothing; the supervisor does). */
export interface ChildSpec {
  id: string;
  start: (system: System) => Process;
}

/**
 * The baseline one_for_one supervisor: starts its children linked to itself and
 * restarts one when it exits, within a restart intensity kept as a sliding window
 * of restart times (pruned from the front, O(1) amortised). Past the intensity it
 * stops every child and exits with 'shutdown'.
 */
export class Supervisor extends Actor {
  readonly #specs: readonly ChildSpec[];
  readonly #running = new Map<Process, ChildSpec>();
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  #times: number[] = [];
  #head = 0;
  readonly #onRestart: ((id: string, oldChild: Process, newChild: Process) => void) | undefined;

  constructor(
    system: System,
    specs: readonly ChildSpec[],
    opts: {
      maxRestarts: number;
      maxSeconds: number;
      onRestart?: (id: string, oldChild: Process, newChild: Process) => void;
    },
  ) {
    super(system);
    this.#specs = specs;
    this.#maxRestarts = opts.maxRestarts;
    this.#windowMs = opts.maxSeconds * 1000;
    this.#onRestart = opts.onRestart;
  }

  /** Spawns the supervisor and starts its children in order. */
  static start(
    system: System,
    specs: readonly ChildSpec[],
    opts: ConstructorParameters<typeof Supervisor>[2],
  ): Supervisor {
    const sup = system.spawn(new Supervisor(system, specs, opts));
    for (const spec of sup.#specs) sup.#startChild(spec);
    return sup;
  }

  override handle(message: unknown): void {
    if (!(message instanceof ExitSignal)) return;
    const spec = this.#running.get(message.from);
    if (spec === undefined) return;
    this.#running.delete(message.from);
    if (!this.#addRestart()) {
      for (const child of [...this.#running.keys()].reverse()) this.system.exit(child, 'shutdown');
      this.system.exit(this, 'shutdown');
      return;
    }
    const child = this.#startChild(spec);
    this.#onRestart?.(spec.id, message.from, child);
  }

  #startChild(spec: ChildSpec): Process {
    const child = spec.start(this.system);
    child.link = this;
    this.#running.set(child, spec);
    return child;
  }

  #addRestart(): boolean {
    const t = performance.now();
    const times = this.#times;
    times.push(t);
    const cutoff = t - this.#windowMs;
    while (times[this.#head]! < cutoff) this.#head++;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head <= this.#maxRestarts;
  }
}
