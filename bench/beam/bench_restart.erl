%% restart: a one_for_one supervisor with one gen_server worker registered as
%% bench_worker, killed `kills` times; each time the clock runs from exit(Pid, kill)
%% until whereis(bench_worker) returns a new pid (polled, yielding between polls):
%% mean latency (µs), the means of the first and of the last 1,000, and last / first.
%%
%% Each run has a fresh supervisor, after an untimed warm-up run in another: OTP's
%% supervisor keeps the restart times of the last `period` seconds in a list it walks
%% on every restart, so a supervisor that had restarted thousands of times already
%% would make the first 1,000 slower. The JavaScript side warms up in the runtime it
%% times (its JIT needs it); the BEAM's first 1,000 are taken at their best.
-module(bench_restart).
-behaviour(supervisor).
-export([run/1, init/1]).

-define(NAME, bench_worker).

run(Params) ->
    Kills = max(2, bench_beam:param("kills", Params, 10000)),
    once(max(2, Kills div 5)),
    Runs = [once(Kills) || _ <- lists:seq(1, bench_beam:reps(Params))],
    [{K, bench_beam:median([maps:get(K, R) || R <- Runs])} || K <- [mean, first, last, growth]].

once(Kills) ->
    {ok, Sup} = supervisor:start_link(?MODULE, Kills),
    Latencies = kill(Kills, []),
    unlink(Sup),
    bench_beam:kill_all([Sup, whereis(?NAME)]),
    Window = min(1000, Kills div 2),
    First = bench_beam:mean(lists:sublist(Latencies, Window)),
    Last = bench_beam:mean(lists:nthtail(Kills - Window, Latencies)),
    #{mean => bench_beam:mean(Latencies), first => First, last => Last, growth => Last / First}.

kill(0, Acc) -> lists:reverse(Acc);
kill(N, Acc) ->
    Old = whereis(?NAME),
    true = is_pid(Old),
    T0 = bench_beam:now_us(),
    exit(Old, kill),
    wait_new(Old),
    kill(N - 1, [bench_beam:now_us() - T0 | Acc]).

wait_new(Old) ->
    case whereis(?NAME) of
        New when is_pid(New), New =/= Old -> ok;
        _ ->
            erlang:yield(),
            wait_new(Old)
    end.

init(Kills) ->
    Flags = #{strategy => one_for_one, intensity => Kills + 1, period => 1},
    Child = #{id => worker, start => {bench_counter, start_link_named, [?NAME]}},
    {ok, {Flags, [Child]}}.
