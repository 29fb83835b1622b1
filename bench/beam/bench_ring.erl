%% ring: `processes` processes pass a token around `hops` times, as bench/ring.ts:
%% hops/s for gen_servers forwarding by gen_server:cast, gen_servers forwarding by !
%% to handle_info, and plain processes (receive, !). The last node stamps the time.
-module(bench_ring).
-behaviour(gen_server).
-export([run/1, init/1, handle_call/3, handle_cast/2, handle_info/2]).

run(Params) ->
    N = bench_beam:param("processes", Params, 1000),
    Hops = bench_beam:param("hops", Params, 1000000),
    Reps = bench_beam:reps(Params),
    Kinds = [{genservers, cast}, {genservers_info, info}, {processes, raw}],
    [once(Kind, N, max(1, Hops div 5)) || {_, Kind} <- Kinds],
    [{Key, bench_beam:median([once(Kind, N, Hops) || _ <- lists:seq(1, Reps)])}
     || {Key, Kind} <- Kinds].

once(Kind, N, Hops) ->
    Parent = self(),
    Ring = [start(Kind, Parent) || _ <- lists:seq(1, N)],
    [First | _] = Ring,
    Nexts = tl(Ring) ++ [First],
    lists:foreach(fun({P, Next}) -> set_next(Kind, P, Next) end, lists:zip(Ring, Nexts)),
    T0 = bench_beam:now_us(),
    send(Kind, First, Hops),
    T1 = receive {done, T} -> T end,
    bench_beam:kill_all(Ring),
    bench_beam:per_second(Hops, T1 - T0).

start(raw, Parent) ->
    spawn(fun() -> receive {next, Next} -> node(Next, Parent) end end);
start(_, Parent) ->
    {ok, P} = gen_server:start(?MODULE, Parent, []),
    P.

set_next(raw, P, Next) -> P ! {next, Next};
set_next(_, P, Next) -> ok = gen_server:call(P, {next, Next}).

send(cast, P, Token) -> gen_server:cast(P, Token);
send(_, P, Token) -> P ! Token.

node(Next, Parent) ->
    receive
        0 -> Parent ! {done, bench_beam:now_us()};
        Token -> Next ! Token - 1
    end,
    node(Next, Parent).

%% The gen_server node: its state is {Next, Parent}.
init(Parent) -> {ok, {undefined, Parent}}.

handle_call({next, Next}, _From, {_, Parent}) -> {reply, ok, {Next, Parent}}.

handle_cast(0, {_, Parent} = State) ->
    Parent ! {done, bench_beam:now_us()},
    {noreply, State};
handle_cast(Token, {Next, _} = State) ->
    gen_server:cast(Next, Token - 1),
    {noreply, State}.

handle_info(0, {_, Parent} = State) ->
    Parent ! {done, bench_beam:now_us()},
    {noreply, State};
handle_info(Token, {Next, _} = State) ->
    Next ! Token - 1,
    {noreply, State}.
