/**
 * Rejects the promise that `resolve` settles with the error `make` builds, building
 * it in a promise job chained to that promise. V8 then gives the error the async
 * stack of the code that awaits the promise (the frame that called `GenServer.call`
 * or `Task.await` included); built where the failure is noticed, in a timer or in a
 * process's exit, it would have only the runtime's frames. The gate makes the job run
 * after the caller's promise has been resolved with its result, which is what chains
 * the two. Two promises, on the failure path only.
 * @internal
 */
export function rejectFromCaller(resolve: (value: unknown) => void, make: () => unknown): void {
  let open!: () => void;
  const gate = new Promise<void>((resolveGate) => {
    open = resolveGate;
  });
  resolve(
    gate.then(() => {
      throw make();
    }),
  );
  open();
}
