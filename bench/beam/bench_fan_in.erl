%% fan-in: `clients` processes each make `calls` sequential gen_server:calls to one
%% server: calls/s, from spawning the clients to the last reply, as bench/fan-in.ts.
-module(bench_fan_in).
-export([run/1]).

run(Params) ->
    Clients = bench_beam:param("clients", Params, 1000),
    Calls = bench_beam:param("calls", Params, 100),
    once(max(1, Clients div 5), Calls),
    Rates = [once(Clients, Calls) || _ <- lists:seq(1, bench_beam:reps(Params))],
    [{calls, bench_beam:median(Rates)}].

once(Clients, Calls) ->
    {ok, Server} = gen_server:start(bench_counter, 0, []),
    Parent = self(),
    T0 = bench_beam:now_us(),
    [spawn(fun() -> client(Server, Calls), Parent ! done end) || _ <- lists:seq(1, Clients)],
    [receive done -> ok end || _ <- lists:seq(1, Clients)],
    T1 = bench_beam:now_us(),
    Total = Clients * Calls,
    Total = gen_server:call(Server, get),
    gen_server:stop(Server),
    bench_beam:per_second(Total, T1 - T0).

client(_, 0) -> ok;
client(Server, N) ->
    gen_server:call(Server, inc),
    client(Server, N - 1).
