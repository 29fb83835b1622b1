%% cast: `casts` gen_server:casts from one process to one server, then a
%% gen_server:call for the count: casts/s over the whole, as bench/cast.ts.
-module(bench_cast).
-export([run/1]).

run(Params) ->
    N = bench_beam:param("casts", Params, 1000000),
    once(max(1, N div 5)),
    Rates = [once(N) || _ <- lists:seq(1, bench_beam:reps(Params))],
    [{casts, bench_beam:median(Rates)}].

once(N) ->
    {ok, Server} = gen_server:start(bench_counter, 0, []),
    T0 = bench_beam:now_us(),
    cast(Server, N),
    N = gen_server:call(Server, get, infinity),
    T1 = bench_beam:now_us(),
    gen_server:stop(Server),
    bench_beam:per_second(N, T1 - T0).

cast(_, 0) -> ok;
cast(Server, N) ->
    gen_server:cast(Server, inc),
    cast(Server, N - 1).
