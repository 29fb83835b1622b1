%% The counter gen_server most BEAM benchmarks talk to, as bench/lib/counter.ts:
%% a call `inc` increments and replies with the count, `get` replies with it, a
%% cast `inc` increments.
-module(bench_counter).
-behaviour(gen_server).
-export([start_link_named/1, init/1, handle_call/3, handle_cast/2]).

%% The restart benchmark's worker: registered under Name before init runs.
start_link_named(Name) -> gen_server:start_link({local, Name}, ?MODULE, 0, []).

init(Count) -> {ok, Count}.

handle_call(inc, _From, Count) -> {reply, Count + 1, Count + 1};
handle_call(get, _From, Count) -> {reply, Count, Count}.

handle_cast(inc, Count) -> {noreply, Count + 1}.
