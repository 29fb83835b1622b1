%% exit, as bench/exit.ts: `processes` idle processes waiting in receive (then as
%% many idle gen_servers), spawned before the clock starts, each sent exit(Pid, kill);
%% the clock stops once the process count is back: µs per process.
-module(bench_exit).
-behaviour(gen_server).
-export([run/1, init/1, handle_call/3, handle_cast/2]).

run(Params) ->
    N = bench_beam:param("processes", Params, 100000),
    Reps = bench_beam:reps(Params),
    [once(Kind, max(1, N div 5)) || Kind <- [raw, gen]],
    [{Key, bench_beam:median([once(Kind, N) || _ <- lists:seq(1, Reps)])}
     || {Key, Kind} <- [{processes, raw}, {genservers, gen}]].

once(Kind, N) ->
    Pids = spawn_n(Kind, N, []),
    bench_beam:wait_idle(hd(Pids)),
    erlang:garbage_collect(),
    T0 = bench_beam:now_us(),
    bench_beam:kill_all(Pids),
    (bench_beam:now_us() - T0) / N.

spawn_n(_, 0, Acc) -> Acc;
spawn_n(raw, N, Acc) -> spawn_n(raw, N - 1, [spawn(fun idle/0) | Acc]);
spawn_n(gen, N, Acc) ->
    {ok, P} = gen_server:start(?MODULE, 0, []),
    spawn_n(gen, N - 1, [P | Acc]).

idle() -> receive _ -> ok end.

init(State) -> {ok, State}.
handle_call(_, _From, State) -> {reply, ok, State}.
handle_cast(_, State) -> {noreply, State}.
