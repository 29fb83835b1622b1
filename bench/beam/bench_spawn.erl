%% spawn, as bench/spawn.ts: `small` and `large` idle processes waiting in receive,
%% then as many idle gen_servers: µs per spawn (until every one waits), bytes per
%% process (the growth of erlang:memory(processes)), µs per stop (exit(Pid, kill) of
%% each, until the process count is back), and large ÷ small time. First, the cost of
%% a gen_server:call with 1 and with `idle` idle processes alive.
-module(bench_spawn).
-behaviour(gen_server).
-export([run/1, init/1, handle_call/3, handle_cast/2]).

run(Params) ->
    Small = bench_beam:param("small", Params, 100000),
    Large = bench_beam:param("large", Params, 1000000),
    Reps = bench_beam:reps(Params),
    LargeReps = max(min(Reps, 3), bench_beam:param("large-reps", Params, 3)),
    CallCost = call_cost(Params),
    Kinds = lists:append([kind(Kind, Small, Large, Reps, LargeReps) || Kind <- [raw, gen]]),
    CallCost ++ Kinds.

kind(Kind, Small, Large, Reps, LargeReps) ->
    once(Kind, max(1, Small div 5)),
    S = [once(Kind, Small) || _ <- lists:seq(1, Reps)],
    L = [once(Kind, Large) || _ <- lists:seq(1, LargeReps)],
    Median = fun(Runs, K) -> bench_beam:median([maps:get(K, R) || R <- Runs]) end,
    Prefix = atom_to_list(Kind),
    [{Prefix ++ "_" ++ atom_to_list(K) ++ "_" ++ Size, Median(Runs, K)}
     || {Size, Runs} <- [{"small", S}, {"large", L}], K <- [spawn, bytes, stop]]
    ++ [{Prefix ++ "_growth", Median(L, spawn) * Large / (Median(S, spawn) * Small)}].

once(Kind, N) ->
    erlang:garbage_collect(),
    Mem0 = erlang:memory(processes),
    T0 = bench_beam:now_us(),
    Pids = spawn_n(Kind, N, []),
    bench_beam:wait_idle(hd(Pids)),
    T1 = bench_beam:now_us(),
    Mem1 = erlang:memory(processes),
    T2 = bench_beam:now_us(),
    bench_beam:kill_all(Pids),
    T3 = bench_beam:now_us(),
    #{spawn => (T1 - T0) / N, bytes => (Mem1 - Mem0) / N, stop => (T3 - T2) / N}.

%% The list comes out newest first: its head is the last process spawned.
spawn_n(_, 0, Acc) -> Acc;
spawn_n(raw, N, Acc) -> spawn_n(raw, N - 1, [spawn(fun idle/0) | Acc]);
spawn_n(gen, N, Acc) ->
    {ok, P} = gen_server:start(?MODULE, 0, []),
    spawn_n(gen, N - 1, [P | Acc]).

idle() -> receive _ -> ok end.

%% Mean µs per call, `calls` sequential calls, to a server alone and to one among
%% `idle` idle processes; the median of `rounds` rounds of each, alternating.
call_cost(Params) ->
    Idle = bench_beam:param("idle", Params, 100000),
    Calls = bench_beam:param("calls", Params, 50000),
    Rounds = max(bench_beam:reps(Params), bench_beam:param("rounds", Params, 15)),
    {ok, Server} = gen_server:start(bench_counter, 0, []),
    Time = fun() ->
                   T0 = bench_beam:now_us(),
                   [gen_server:call(Server, inc) || _ <- lists:seq(1, Calls)],
                   (bench_beam:now_us() - T0) / Calls
           end,
    Time(),
    One = [Time() || _ <- lists:seq(1, Rounds)],
    Pids = spawn_n(raw, Idle, []),
    bench_beam:wait_idle(hd(Pids)),
    Many = [Time() || _ <- lists:seq(1, Rounds)],
    bench_beam:kill_all([Server | Pids]),
    OneUs = bench_beam:median(One),
    ManyUs = bench_beam:median(Many),
    [{call_one, OneUs}, {call_many, ManyUs}, {call_cost, ManyUs / OneUs}].

%% The idle gen_server.
init(State) -> {ok, State}.
handle_call(_, _From, State) -> {reply, ok, State}.
handle_cast(_, State) -> {noreply, State}.
