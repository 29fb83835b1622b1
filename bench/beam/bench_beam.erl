%% The BEAM side of `npm run bench -- --beam`: bench/run.mjs compiles these modules
%% into a temporary directory and runs each benchmark's module on one scheduler:
%%
%%   erl +S 1:1 +P 2000000 -noshell -pa Dir -run bench_beam main bench_cast casts=1000000 reps=5
%%
%% The key=value arguments are the parameters the JavaScript benchmark reported (its
%% sizes and repetitions), so that both sides do the same work; `smoke=1` marks a
%% smoke run. The module's run/1 returns [{Key, Number}]; this prints them as one
%% JSON line, each the median of its runs, and halts (1 on an error).
-module(bench_beam).
-export([main/1, param/3, reps/1, smoke/1, median/1, mean/1, now_us/0, per_second/2,
         wait_idle/1, wait_process_count/1, kill_all/1]).

main([Module | Args]) ->
    %% No reports, as the JavaScript side runs with `logger: false`: OTP's supervisor
    %% logs each child's exit, which would cost the restart benchmark its formatting.
    ok = logger:set_primary_config(level, none),
    Params = maps:from_list([parse(A) || A <- Args]),
    try (list_to_atom(Module)):run(Params) of
        Figures ->
            Fields = [io_lib:format("\"~s\":~s", [K, number(V)]) || {K, V} <- Figures],
            io:format("{~s}~n", [lists:join(",", Fields)]),
            halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "~s failed: ~p:~p~n~p~n", [Module, Class, Reason, Stack]),
            halt(1)
    end.

parse(Arg) ->
    [K, V] = string:split(Arg, "="),
    Number = case string:to_float(V) of
                 {F, []} -> F;
                 _ -> list_to_integer(V)
             end,
    {K, Number}.

number(V) when is_integer(V) -> integer_to_list(V);
number(V) when is_float(V) -> float_to_list(V, [short]).

%% A parameter given by the JavaScript benchmark, or Default.
param(Name, Params, Default) ->
    case maps:get(Name, Params, Default) of
        V when is_float(V), V == trunc(V) -> trunc(V);
        V -> V
    end.

smoke(Params) -> maps:get("smoke", Params, 0) =:= 1.

%% Runs of a figure: at least three outside a smoke run, as on the JavaScript side.
reps(Params) ->
    Reps = param("reps", Params, 3),
    case smoke(Params) of
        true -> max(1, Reps);
        false -> max(3, Reps)
    end.

median(Values) ->
    Sorted = lists:sort(Values),
    %% The nearest rank, as bench/lib/harness.ts's percentile(50).
    lists:nth(max(1, ceil(length(Sorted) / 2)), Sorted).

mean(Values) -> lists:sum(Values) / length(Values).

now_us() -> erlang:monotonic_time(nanosecond) / 1000.

per_second(N, Us) -> N / (Us / 1.0e6).

%% Waits until Pid waits in receive. On one scheduler the run queue is FIFO, so once
%% the last process spawned waits, every one spawned before it has run too.
wait_idle(Pid) ->
    case erlang:process_info(Pid, status) of
        {status, waiting} -> ok;
        _ ->
            erlang:yield(),
            wait_idle(Pid)
    end.

%% Waits until at most Count processes are alive (the exits signalled have happened).
wait_process_count(Count) ->
    case erlang:system_info(process_count) =< Count of
        true -> ok;
        false ->
            erlang:yield(),
            wait_process_count(Count)
    end.

%% Kills every pid and waits until they are gone.
kill_all(Pids) ->
    Before = erlang:system_info(process_count),
    lists:foreach(fun(P) -> exit(P, kill) end, Pids),
    wait_process_count(Before - length(Pids)).
