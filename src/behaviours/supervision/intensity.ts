/**
 * Restart intensity as OTP keeps it: the times of recent restarts in a sliding
 * window of `maxSeconds`. Old entries leave from the front with a moving head, so
 * each restart costs O(1) amortised however long the supervisor has lived.
 * @internal
 */
export class RestartIntensity {
  #times: number[] = [];
  #head = 0;
  constructor(
    readonly maxRestarts: number,
    readonly maxSeconds: number,
  ) {}

  /**
   * Records a restart at `now` (the runtime's clock, so that a virtual one moves the
   * window); returns `false` when it makes more than `maxRestarts` within the window.
   */
  add(now: number): boolean {
    const times = this.#times;
    times.push(now);
    const cutoff = now - this.maxSeconds * 1000;
    while (times[this.#head]! < cutoff) this.#head++;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head <= this.maxRestarts;
  }
}
