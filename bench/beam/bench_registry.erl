%% registry, as bench/registry.ts's name table: `names` idle processes (spawned
%% before the clock starts) each get a name with register/2, then every name is
%% looked up with whereis/1: ops/s of both together, and of each. The names are atoms
%% made beforehand (a JavaScript name is a string it already holds).
-module(bench_registry).
-export([run/1]).

run(Params) ->
    N = bench_beam:param("names", Params, 100000),
    Names = [list_to_atom("name-" ++ integer_to_list(I)) || I <- lists:seq(1, N)],
    once(lists:sublist(Names, max(1, N div 5))),
    Runs = [once(Names) || _ <- lists:seq(1, bench_beam:reps(Params))],
    [{K, bench_beam:median([maps:get(K, R) || R <- Runs])}
     || K <- [names, names_register, names_lookup]].

once(Names) ->
    N = length(Names),
    Pids = [spawn(fun() -> receive _ -> ok end end) || _ <- Names],
    Pairs = lists:zip(Names, Pids),
    T0 = bench_beam:now_us(),
    lists:foreach(fun({Name, Pid}) -> true = register(Name, Pid) end, Pairs),
    T1 = bench_beam:now_us(),
    Found = lookup(Pairs, 0),
    T2 = bench_beam:now_us(),
    N = Found,
    bench_beam:kill_all(Pids),
    #{names => bench_beam:per_second(2 * N, T2 - T0),
      names_register => bench_beam:per_second(N, T1 - T0),
      names_lookup => bench_beam:per_second(N, T2 - T1)}.

lookup([], Found) -> Found;
lookup([{Name, Pid} | Rest], Found) ->
    case whereis(Name) of
        Pid -> lookup(Rest, Found + 1);
        _ -> lookup(Rest, Found)
    end.
