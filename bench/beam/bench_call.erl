%% call: `calls` sequential gen_server:calls from one process to one server, each
%% timed as bench/call.ts times them: calls/s, and the p50 and p99 latency (µs).
-module(bench_call).
-export([run/1]).

run(Params) ->
    N = bench_beam:param("calls", Params, 200000),
    once(max(1, N div 5)),
    Runs = [once(N) || _ <- lists:seq(1, bench_beam:reps(Params))],
    [{K, bench_beam:median([maps:get(K, R) || R <- Runs])} || K <- [calls, p50, p99]].

once(N) ->
    {ok, Server} = gen_server:start(bench_counter, 0, []),
    T0 = bench_beam:now_us(),
    Latencies = calls(Server, N, []),
    T1 = bench_beam:now_us(),
    N = gen_server:call(Server, get),
    gen_server:stop(Server),
    Sorted = list_to_tuple(lists:sort(Latencies)),
    Rank = fun(P) -> element(max(1, ceil(P / 100 * N)), Sorted) end,
    #{calls => bench_beam:per_second(N, T1 - T0), p50 => Rank(50), p99 => Rank(99)}.

calls(_, 0, Acc) -> Acc;
calls(Server, N, Acc) ->
    T = bench_beam:now_us(),
    gen_server:call(Server, inc),
    calls(Server, N - 1, [bench_beam:now_us() - T | Acc]).
