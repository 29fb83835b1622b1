import { describe, expectTypeOf, it } from 'vitest';
import {
  type ChildInput,
  DynamicSupervisor,
  type DynamicSupervisorSpec,
  GenServer,
  type InitArg,
  type Registry,
  type RegistrySpec,
  Runtime,
  Supervisor,
  type SupervisorSpec,
} from '../../../src/index.js';

class Counter extends GenServer<number> {
  override init(start: number): number {
    return start;
  }
}

class Quiet extends GenServer<number> {
  override init(): number {
    return 0;
  }
}

class Sized extends Supervisor {
  override init(arg: { n: number }): SupervisorSpec {
    return { children: [[Counter, arg.n]], strategy: 'one_for_one' };
  }
}

class Plain extends Supervisor {}

const rt = new Runtime({ logger: false });

describe('the argument rt.start takes', () => {
  it('is the spec for Supervisor, DynamicSupervisor and Registry themselves', () => {
    expectTypeOf<InitArg<typeof Supervisor>>().toEqualTypeOf<SupervisorSpec>();
    expectTypeOf<InitArg<typeof DynamicSupervisor>>().toEqualTypeOf<DynamicSupervisorSpec>();
    expectTypeOf<InitArg<typeof Registry>>().toEqualTypeOf<RegistrySpec>();
    // @ts-expect-error a Supervisor needs its children
    void (() => rt.start(Supervisor, { strategy: 'one_for_one' }));
  });

  it("is a Supervisor subclass's own init argument when it declares one", () => {
    expectTypeOf<InitArg<typeof Sized>>().toEqualTypeOf<{ n: number }>();
    void (() => rt.start(Sized, { n: 2 }));
    // @ts-expect-error Sized's init takes { n: number }
    void (() => rt.start(Sized, { n: 'two' }));
  });

  it('is still the spec for a subclass that does not override init', () => {
    expectTypeOf<InitArg<typeof Plain>>().toEqualTypeOf<SupervisorSpec>();
  });

  it('is undefined for an init that takes nothing', () => {
    expectTypeOf<InitArg<typeof Quiet>>().toEqualTypeOf<undefined>();
    // @ts-expect-error Quiet's init takes no argument
    void (() => rt.start(Quiet, 5));
  });
});

describe('startChild', () => {
  it("checks the arg of { start: [Class, arg] } against Class's init", () => {
    void (() => Supervisor.startChild(rt, 'sup', { id: 'c', start: [Counter, 1] }));
    void (() => Supervisor.startChild(rt, 'sup', { id: 'c', start: [Counter, 1, { name: 'c' }] }));
    // @ts-expect-error Counter's init takes a number
    void (() => Supervisor.startChild(rt, 'sup', { id: 'c', start: [Counter, 'one'] }));
    // @ts-expect-error Counter's init needs its argument
    void (() => Supervisor.startChild(rt, 'sup', { id: 'c', start: [Counter] }));
    void (() => Supervisor.startChild(rt, 'sup', { id: 'q', start: [Quiet] }));
  });

  it('checks the arg of [Class, arg] the same way, for both supervisors', () => {
    void (() => DynamicSupervisor.startChild(rt, 'dyn', [Counter, 1]));
    // @ts-expect-error Counter's init takes a number
    void (() => DynamicSupervisor.startChild(rt, 'dyn', [Counter, 'one']));
    // @ts-expect-error Sized's init takes { n: number }
    void (() => Supervisor.startChild(rt, 'sup', [Sized, { m: 1 }]));
  });

  it('still takes a class, a start function, and a spec held in a variable', () => {
    const spec = { id: 'c', start: [Counter, 1] } as const;
    void (() => Supervisor.startChild(rt, 'sup', Counter));
    void (() => Supervisor.startChild(rt, 'sup', spec));
    void (() =>
      DynamicSupervisor.startChild(rt, 'dyn', {
        id: 'f',
        start: (self) => GenServer.startLink(self, Counter, 3),
      }));
  });
});

describe('Supervisor.init', () => {
  it("checks the arg of every child in a children array against its class's init", () => {
    void (() =>
      Supervisor.init(
        [
          { id: 'a', start: [Counter, 1, { name: 'a' }] },
          [Counter, 2],
          Quiet,
          { id: 'q', start: [Quiet] },
          { id: 'f', start: (self) => GenServer.startLink(self, Counter, 3) },
        ],
        { strategy: 'one_for_all' },
      ));
    // @ts-expect-error Counter's init takes a number
    void (() => Supervisor.init([Quiet, { id: 'a', start: [Counter, 'one'] }]));
    // @ts-expect-error Counter's init takes a number
    void (() => Supervisor.init([[Counter, 'one']]));
    // @ts-expect-error Counter's init needs its argument
    void (() => Supervisor.init([{ id: 'a', start: [Counter] }]));
    // @ts-expect-error Sized's init takes { n: number }
    void (() => Supervisor.init([[Sized, { m: 1 }]]));
  });

  it('checks the flags, and gives what rt.start(Supervisor, ...) and an init return take', () => {
    // @ts-expect-error no such flag
    void (() => Supervisor.init([Quiet], { strategi: 'one_for_all' }));
    // @ts-expect-error no such strategy
    void (() => Supervisor.init([Quiet], { strategy: 'one_for_none' }));
    expectTypeOf(Supervisor.init([Quiet])).toEqualTypeOf<SupervisorSpec>();
    void (() => rt.start(Supervisor, Supervisor.init([[Counter, 1]])));
  });

  it('takes children held in a variable', () => {
    const kids = [[Counter, 1]] as const;
    const list: ChildInput[] = [Quiet];
    void (() => Supervisor.init(kids));
    void (() => Supervisor.init(list));
  });
});
