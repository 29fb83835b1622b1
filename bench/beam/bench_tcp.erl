%% tcp: bench/tcp.ts's workload between two BEAM nodes, each its own `erl +S 1:1`
%% on loopback, through a port mapper of their own on a free port (never the host's
%% epmd): `calls` sequential gen_server:calls to a counter on the other node (calls/s,
%% p50 and p99 in µs), `casts` casts then one call (casts/s), and `callers`
%% processes making `callsPerCaller` calls each at once (calls/s).
%%
%% The process bench/run.mjs starts is not distributed (and cannot be told the port
%% mapper's port once it runs: erl reads `-epmd_port` at boot), so run/1 only
%% directs: it starts epmd, node B serving the counter (serve/0) and node A measuring
%% (measure/2), reads A's figures and stops all three. bench/tcp.ts runs serve/0 too,
%% for its otp-ts ↔ BEAM figures.
-module(bench_tcp).
-export([run/1, serve/0, measure/2]).

-define(COOKIE, "otp_ts_bench").

run(Params) ->
    Dir = filename:dirname(code:which(?MODULE)),
    EpmdPort = free_port(),
    Epmd = open_port({spawn_executable, os:find_executable("epmd")},
                     [{args, ["-port", integer_to_list(EpmdPort)]}, exit_status, stderr_to_stdout]),
    try
        wait_listening(EpmdPort, 100),
        Node = fun(Name, Eval) ->
                   open_port({spawn_executable, os:find_executable("erl")},
                             [{args, ["+S", "1:1", "-sname", Name, "-setcookie", ?COOKIE,
                                      "-start_epmd", "false",
                                      "-epmd_port", integer_to_list(EpmdPort),
                                      "-noshell", "-pa", Dir, "-eval", Eval]},
                              {line, 65536}, exit_status, stderr_to_stdout])
               end,
        B = Node("bench_b@localhost", "bench_tcp:serve()"),
        try
            {ok, _} = read_until(B, "ready", []),
            Eval = lists:flatten(io_lib:format("bench_tcp:measure(~w, ~w)",
                                               ['bench_b@localhost', Params])),
            A = Node("bench_a@localhost", Eval),
            {ok, Line} = read_until(A, "{figures,", []),
            {ok, Tokens, _} = erl_scan:string(Line),
            {ok, {figures, Figures}} = erl_parse:parse_term(Tokens),
            Figures
        after
            kill(B)
        end
    after
        kill(Epmd)
    end.

%% Node B: the counter, registered as `counter`.
serve() ->
    ok = logger:set_primary_config(level, none),
    {ok, _} = gen_server:start({local, counter}, bench_counter, 0, []),
    io:format("ready~n").

%% Node A: the three figures against the counter on Node, printed as one term.
measure(Node, Params) ->
    ok = logger:set_primary_config(level, none),
    true = net_kernel:connect_node(Node),
    Server = {counter, Node},
    Smoke = bench_beam:smoke(Params),
    Reps = bench_beam:reps(Params),
    Calls = bench_beam:param("calls", Params, 20000),
    Casts = bench_beam:param("casts", Params, 200000),
    Callers = bench_beam:param("callers", Params, 1000),
    PerCaller = bench_beam:param("callsPerCaller", Params, 20),
    Median = fun(Runs, K) -> bench_beam:median([maps:get(K, R) || R <- Runs]) end,
    WarmUp = fun(F) -> Smoke orelse F() end,
    WarmUp(fun() -> calls(Server, max(1, Calls div 5)) end),
    CallRuns = [calls(Server, Calls) || _ <- lists:seq(1, Reps)],
    WarmUp(fun() -> casts(Server, max(1, Casts div 5)) end),
    CastRuns = [casts(Server, Casts) || _ <- lists:seq(1, Reps)],
    WarmUp(fun() -> concurrent(Server, max(1, Callers div 5), PerCaller) end),
    ConcurrentRuns = [concurrent(Server, Callers, PerCaller) || _ <- lists:seq(1, Reps)],
    Figures = [{calls, Median(CallRuns, calls)}, {p50, Median(CallRuns, p50)},
               {p99, Median(CallRuns, p99)}, {casts, Median(CastRuns, casts)},
               {concurrent, Median(ConcurrentRuns, concurrent)}],
    io:format("~w.~n", [{figures, Figures}]),
    halt(0).

calls(Server, N) ->
    T0 = bench_beam:now_us(),
    Latencies = calls(Server, N, []),
    T1 = bench_beam:now_us(),
    Sorted = list_to_tuple(lists:sort(Latencies)),
    Rank = fun(P) -> element(max(1, ceil(P / 100 * N)), Sorted) end,
    #{calls => bench_beam:per_second(N, T1 - T0), p50 => Rank(50), p99 => Rank(99)}.

calls(_, 0, Acc) -> Acc;
calls(Server, N, Acc) ->
    T = bench_beam:now_us(),
    gen_server:call(Server, get),
    calls(Server, N - 1, [bench_beam:now_us() - T | Acc]).

casts(Server, N) ->
    Before = gen_server:call(Server, get),
    T0 = bench_beam:now_us(),
    cast(Server, N),
    After = gen_server:call(Server, get),
    T1 = bench_beam:now_us(),
    N = After - Before,
    #{casts => bench_beam:per_second(N, T1 - T0)}.

cast(_, 0) -> ok;
cast(Server, N) ->
    gen_server:cast(Server, inc),
    cast(Server, N - 1).

concurrent(Server, Callers, PerCaller) ->
    T0 = bench_beam:now_us(),
    Pids = [spawn_monitor(fun() -> calls(Server, PerCaller, []) end)
            || _ <- lists:seq(1, Callers)],
    [receive {'DOWN', Ref, process, Pid, normal} -> ok end || {Pid, Ref} <- Pids],
    T1 = bench_beam:now_us(),
    #{concurrent => bench_beam:per_second(Callers * PerCaller, T1 - T0)}.

free_port() ->
    {ok, Socket} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(Socket),
    ok = gen_tcp:close(Socket),
    Port.

wait_listening(_, 0) -> error(epmd_did_not_start);
wait_listening(Port, Tries) ->
    case gen_tcp:connect({127, 0, 0, 1}, Port, []) of
        {ok, Socket} -> gen_tcp:close(Socket);
        {error, _} ->
            timer:sleep(20),
            wait_listening(Port, Tries - 1)
    end.

%% Reads the port's lines until one starts with Prefix; the output so far on an exit.
read_until(Port, Prefix, Seen) ->
    receive
        {Port, {data, {eol, Line}}} ->
            case lists:prefix(Prefix, Line) of
                true -> {ok, Line};
                false -> read_until(Port, Prefix, [Line | Seen])
            end;
        {Port, {data, {noeol, Part}}} -> read_until(Port, Prefix, [Part | Seen]);
        {Port, {exit_status, Status}} ->
            error({node_exited, Status, lists:reverse(Seen)})
    after 120000 ->
        error({no_line, Prefix, lists:reverse(Seen)})
    end.

kill(Port) ->
    case erlang:port_info(Port, os_pid) of
        {os_pid, OsPid} ->
            os:cmd("kill -9 " ++ integer_to_list(OsPid)),
            catch port_close(Port);
        undefined -> ok
    end.
