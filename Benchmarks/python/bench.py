"""Peer benchmark: the Python framework waku (0.42.x) measured with the same
scenario shapes as the swift-waku benchmark.

Run through ``Benchmarks/python/run.sh`` (creates a virtualenv with exactly
``waku==0.42.0``), or directly with an interpreter that has waku installed:

    python bench.py [--quick] [--json PATH] [--only NAME[,NAME...]]

Scenarios (see ``SCENARIOS`` below):

  bus.invoke.0behaviors   fresh request scope per message -> resolve IMessageBus
                          -> invoke(Ping) -> request-scoped handler with 2 deps
                          (1 singleton + 1 scoped service) -> small response.
  bus.invoke.3behaviors   same, plus 3 global pass-through IPipelineBehavior.
  bus.publish.2handlers   fresh scope per message -> publish(Pinged) -> 2 event
                          handlers (each with the same 2 deps).
  bus.nested              fresh scope per outer message -> invoke(Outer) -> the
                          outer handler (injected ISender) invokes Ping inside.
  queue.throughput.c1     events routed to a local queue endpoint
                          (MessagingConfig.endpoints / routing); N publishes,
                          wait until the handler has run N times (each run in a
                          fresh scope opened by the endpoint worker) -> msg/s.
  queue.throughput.c4     reported as unsupported: waku 0.42's local queue has a
                          single sequential worker and no concurrency setting.
  di.transient3           resolve A(B(C)), all transient, inside one open
                          request scope.
  di.singleton            resolve an already-cached singleton from the root
                          (APP) container.

Latency scenarios time every operation individually with
``time.perf_counter_ns``; operations are grouped in batches.  ``median`` is the
median over batches of the mean ns/op of each batch; ``p99`` is the 99th
percentile of the individual operation times (bus scenarios only; the DI
scenarios are too short for per-op timing and report ``p99: null``).
Throughput scenarios report the median msg/s over several runs.

Note on waku 0.42 internals visible in the numbers: with no pipeline behaviors
configured, MessageDispatcher._resolve_behaviors asks the container for
Sequence[IPipelineBehavior] and catches dishka's NoFactoryError on every
dispatch (~20-25 us on a slow 2-core VM), so bus.invoke.0behaviors (and the
publish / nested / queue paths, which also run without behaviors) are slower
than bus.invoke.3behaviors.  That is measured as-is, not worked around.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from waku import WakuFactory, module
from waku.di import scoped, singleton, transient
from waku.messaging import (
    CallNext,
    EventHandler,
    IEvent,
    IMessageBus,
    IPipelineBehavior,
    IRequest,
    ISender,
    MessagingConfig,
    MessagingExtension,
    MessagingModule,
    RequestHandler,
)

# Not re-exported from waku.messaging in 0.42: the routing / endpoint helpers.
from waku.messaging.endpoints.base import local_queue
from waku.messaging.router import route

perf_ns = time.perf_counter_ns


# --------------------------------------------------------------------------
# Services (the two dependencies every handler takes)
# --------------------------------------------------------------------------


class Clock:
    """Singleton (APP scope) service."""

    __slots__ = ('base',)

    def __init__(self) -> None:
        self.base = 1_000


class Repository:
    """Scoped (REQUEST scope) service: one instance per message scope."""

    __slots__ = ('store',)

    def __init__(self) -> None:
        self.store = 1


@module(
    providers=[singleton(Clock), scoped(Repository)],
    exports=[Clock, Repository],
    is_global=True,
)
class InfraModule:
    pass


# --------------------------------------------------------------------------
# Messages and handlers
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PingResult:
    value: int


@dataclass(frozen=True, slots=True)
class Ping(IRequest[PingResult]):
    value: int


class PingHandler(RequestHandler[Ping, PingResult]):
    __slots__ = ('_clock', '_repo')

    def __init__(self, clock: Clock, repo: Repository) -> None:
        self._clock = clock
        self._repo = repo

    async def handle(self, request: Ping, /) -> PingResult:
        return PingResult(value=request.value + self._repo.store)


@dataclass(frozen=True, slots=True)
class Outer(IRequest[PingResult]):
    value: int


class OuterHandler(RequestHandler[Outer, PingResult]):
    __slots__ = ('_sender',)

    def __init__(self, sender: ISender) -> None:
        self._sender = sender

    async def handle(self, request: Outer, /) -> PingResult:
        inner = await self._sender.invoke(Ping(value=request.value))
        return PingResult(value=inner.value + 1)


@dataclass(frozen=True, slots=True)
class Pinged(IEvent):
    value: int


class PingedHandlerA(EventHandler[Pinged]):
    __slots__ = ('_clock', '_repo')

    def __init__(self, clock: Clock, repo: Repository) -> None:
        self._clock = clock
        self._repo = repo

    async def handle(self, event: Pinged, /) -> None:
        self._repo.store += 0


class PingedHandlerB(EventHandler[Pinged]):
    __slots__ = ('_clock', '_repo')

    def __init__(self, clock: Clock, repo: Repository) -> None:
        self._clock = clock
        self._repo = repo

    async def handle(self, event: Pinged, /) -> None:
        self._repo.store += 0


class PassThrough1(IPipelineBehavior[Any, Any]):
    async def handle(self, message: Any, /, call_next: CallNext[Any]) -> Any:
        return await call_next()


class PassThrough2(IPipelineBehavior[Any, Any]):
    async def handle(self, message: Any, /, call_next: CallNext[Any]) -> Any:
        return await call_next()


class PassThrough3(IPipelineBehavior[Any, Any]):
    async def handle(self, message: Any, /, call_next: CallNext[Any]) -> Any:
        return await call_next()


# ---- local-queue throughput ------------------------------------------------


class Completion:
    """Singleton counter: sets ``done`` when ``target`` messages were handled."""

    __slots__ = ('count', 'done', 'target')

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.done = asyncio.Event()

    def reset(self, target: int) -> None:
        self.count = 0
        self.target = target
        self.done = asyncio.Event()


@dataclass(frozen=True, slots=True)
class Queued(IEvent):
    value: int


class QueuedHandler(EventHandler[Queued]):
    __slots__ = ('_completion', '_repo')

    def __init__(self, completion: Completion, repo: Repository) -> None:
        self._completion = completion
        self._repo = repo

    async def handle(self, event: Queued, /) -> None:
        c = self._completion
        c.count += 1
        if c.count >= c.target:
            c.done.set()


# ---- DI-only graph -----------------------------------------------------------


class C:
    __slots__ = ()


class B:
    __slots__ = ('c',)

    def __init__(self, c: C) -> None:
        self.c = c


class A:
    __slots__ = ('b',)

    def __init__(self, b: B) -> None:
        self.b = b


class Settings:
    __slots__ = ('name',)

    def __init__(self) -> None:
        self.name = 'bench'


@module(providers=[transient(C), transient(B), transient(A), singleton(Settings)])
class DiAppModule:
    pass


# --------------------------------------------------------------------------
# Application builders (fresh module classes per app: the behavior list and
# the routing are part of the global MessagingModule.register(...) config)
# --------------------------------------------------------------------------


def build_bus_app(*, behaviors: int) -> Any:
    # Handler providers (request scope) are registered by MessagingExtension.
    @module(
        extensions=[
            MessagingExtension()
            .bind_request(Ping, PingHandler)
            .bind_request(Outer, OuterHandler)
            .bind_event(Pinged, [PingedHandlerA, PingedHandlerB]),
        ],
    )
    class PingModule:
        pass

    all_behaviors = [PassThrough1, PassThrough2, PassThrough3]

    @module(
        imports=[
            InfraModule,
            PingModule,
            MessagingModule.register(MessagingConfig(pipeline_behaviors=all_behaviors[:behaviors])),
        ],
    )
    class AppModule:
        pass

    return WakuFactory(AppModule).create()


def build_queue_app() -> Any:
    @module(
        providers=[singleton(Completion)],
        extensions=[MessagingExtension().bind_event(Queued, [QueuedHandler])],
    )
    class QueueModule:
        pass

    @module(
        imports=[
            InfraModule,
            QueueModule,
            MessagingModule.register(
                MessagingConfig(
                    endpoints=[local_queue('local://bench', stop_timeout=30.0)],
                    routing=[route(Queued).to('local://bench')],
                ),
            ),
        ],
    )
    class QueueAppModule:
        pass

    return WakuFactory(QueueAppModule).create()


# --------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    warmup: int
    batches: int
    batch_size: int


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    k = (len(sorted_values) - 1) * q
    lo = math.floor(k)
    hi = math.ceil(k)
    if lo == hi:
        return float(sorted_values[lo])
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def measure_latency(op: Any, plan: Plan) -> dict[str, Any]:
    """Time every call of ``op`` (an ``async def op(i)`` doing one operation)."""
    for i in range(plan.warmup):
        await op(i)
    batch_means: list[float] = []
    samples: list[int] = []
    i = 0
    for _ in range(plan.batches):
        total = 0
        for _ in range(plan.batch_size):
            t0 = perf_ns()
            await op(i)
            dt = perf_ns() - t0
            samples.append(dt)
            total += dt
            i += 1
        batch_means.append(total / plan.batch_size)
    samples.sort()
    return {
        'unit': 'ns/op',
        'median': statistics.median(batch_means),
        'p99': percentile(samples, 0.99),
        'iterations': plan.batches * plan.batch_size,
    }


async def measure_batches(run_batch: Any, plan: Plan) -> dict[str, Any]:
    """Time whole batches of ``run_batch(n)`` (an ``async def`` doing n operations
    in a tight loop); for operations too short to time one by one."""
    await run_batch(plan.warmup)
    batch_means: list[float] = []
    for _ in range(plan.batches):
        t0 = perf_ns()
        await run_batch(plan.batch_size)
        batch_means.append((perf_ns() - t0) / plan.batch_size)
    return {
        'unit': 'ns/op',
        'median': statistics.median(batch_means),
        'p99': None,
        'iterations': plan.batches * plan.batch_size,
    }


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------


async def scenario_invoke(plan: Plan, behaviors: int) -> dict[str, Any]:
    application = build_bus_app(behaviors=behaviors)
    async with application:
        container = application.container

        async def op(i: int) -> None:
            async with container() as scope:
                bus = await scope.get(IMessageBus)
                result = await bus.invoke(Ping(value=i))
            if result.value != i + 1:
                raise AssertionError(result)

        return await measure_latency(op, plan)


async def scenario_publish(plan: Plan) -> dict[str, Any]:
    application = build_bus_app(behaviors=0)
    async with application:
        container = application.container

        async def op(i: int) -> None:
            async with container() as scope:
                bus = await scope.get(IMessageBus)
                await bus.publish(Pinged(value=i))

        return await measure_latency(op, plan)


async def scenario_nested(plan: Plan) -> dict[str, Any]:
    application = build_bus_app(behaviors=0)
    async with application:
        container = application.container

        async def op(i: int) -> None:
            async with container() as scope:
                bus = await scope.get(IMessageBus)
                result = await bus.invoke(Outer(value=i))
            if result.value != i + 2:
                raise AssertionError(result)

        return await measure_latency(op, plan)


async def scenario_di_transient3(plan: Plan) -> dict[str, Any]:
    application = WakuFactory(DiAppModule).create()
    async with application, application.container() as scope:
        first = await scope.get(A)
        second = await scope.get(A)
        if first is second or first.b is second.b:
            raise AssertionError('transient graph was cached')

        async def run_batch(n: int) -> None:
            get = scope.get
            for _ in range(n):
                await get(A)

        return await measure_batches(run_batch, plan)


async def scenario_di_singleton(plan: Plan) -> dict[str, Any]:
    application = WakuFactory(DiAppModule).create()
    async with application:
        container = application.container
        first = await container.get(Settings)
        if first is not await container.get(Settings):
            raise AssertionError('singleton was not cached')

        async def run_batch(n: int) -> None:
            get = container.get
            for _ in range(n):
                await get(Settings)

        return await measure_batches(run_batch, plan)


async def scenario_queue_c1(messages: int, runs: int) -> dict[str, Any]:
    application = build_queue_app()
    async with application:
        container = application.container
        completion = await container.get(Completion)

        async def one_run(n: int) -> float:
            completion.reset(n)
            t0 = perf_ns()
            async with container() as scope:
                bus = await scope.get(IMessageBus)
                for i in range(n):
                    await bus.publish(Queued(value=i))
            await asyncio.wait_for(completion.done.wait(), timeout=120)
            dt = perf_ns() - t0
            if completion.count != n:
                raise AssertionError((completion.count, n))
            return n / (dt / 1e9)

        await one_run(max(messages // 5, 100))  # warm-up
        rates = [await one_run(messages) for _ in range(runs)]
    return {
        'unit': 'msg/s',
        'median': statistics.median(rates),
        'p99': None,
        'iterations': messages * runs,
    }


QUEUE_C4_UNSUPPORTED = (
    'waku 0.42 LocalQueueEndpoint runs a single worker task that processes envelopes '
    'sequentially; EndpointEntry/local_queue() have no concurrency/max_parallel setting '
    '(only uri, kind, handler_subscriptions, stop_timeout)'
)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

FULL = {
    'bus': Plan(warmup=5_000, batches=50, batch_size=2_000),
    'nested': Plan(warmup=3_000, batches=50, batch_size=1_200),
    'di': Plan(warmup=50_000, batches=60, batch_size=50_000),
    'queue': (20_000, 9),
}
QUICK = {
    'bus': Plan(warmup=300, batches=10, batch_size=200),
    'nested': Plan(warmup=200, batches=10, batch_size=150),
    'di': Plan(warmup=2_000, batches=10, batch_size=2_000),
    'queue': (2_000, 3),
}


def scenarios(cfg: dict[str, Any]) -> list[tuple[str, Any]]:
    q_messages, q_runs = cfg['queue']
    return [
        ('bus.invoke.0behaviors', lambda: scenario_invoke(cfg['bus'], 0)),
        ('bus.invoke.3behaviors', lambda: scenario_invoke(cfg['bus'], 3)),
        ('bus.publish.2handlers', lambda: scenario_publish(cfg['bus'])),
        ('bus.nested', lambda: scenario_nested(cfg['nested'])),
        ('queue.throughput.c1', lambda: scenario_queue_c1(q_messages, q_runs)),
        ('queue.throughput.c4', None),
        ('di.transient3', lambda: scenario_di_transient3(cfg['di'])),
        ('di.singleton', lambda: scenario_di_singleton(cfg['di'])),
    ]


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return '-'
    if unit == 'msg/s':
        return f'{v:,.0f}'
    return f'{v:,.1f}'


async def main_async(args: argparse.Namespace) -> int:
    cfg = QUICK if args.quick else FULL
    only = {s.strip() for s in args.only.split(',')} if args.only else None
    results: list[dict[str, Any]] = []
    t_start = time.monotonic()
    for name, run in scenarios(cfg):
        if only is not None and name not in only:
            continue
        if run is None:
            results.append({'name': name, 'unsupported': QUEUE_C4_UNSUPPORTED})
            continue
        gc.collect()
        res = await run()
        results.append({'name': name, **res})
        if args.verbose:
            print(f'  done {name} ({time.monotonic() - t_start:.1f}s)', file=sys.stderr, flush=True)

    waku_version = importlib.metadata.version('waku')
    dishka_version = importlib.metadata.version('dishka')
    py = f'{platform.python_implementation()} {platform.python_version()}'
    print(f'waku {waku_version} (dishka {dishka_version}) on {py}, {platform.system()} {platform.machine()}, '
          f'{os.cpu_count()} CPUs, mode={"quick" if args.quick else "full"}')
    header = f'{"scenario":<24} {"unit":>6} {"median":>14} {"p99":>14} {"iterations":>11}'
    print(header)
    print('-' * len(header))
    for r in results:
        if 'unsupported' in r:
            print(f'{r["name"]:<24} unsupported: {r["unsupported"]}')
            continue
        print(
            f'{r["name"]:<24} {r["unit"]:>6} {fmt(r["median"], r["unit"]):>14} '
            f'{fmt(r["p99"], r["unit"]):>14} {r["iterations"]:>11}'
        )
    print(f'total {time.monotonic() - t_start:.1f}s')

    if args.json:
        payload = []
        for r in results:
            if 'unsupported' in r:
                payload.append({
                    'name': r['name'],
                    'unit': 'msg/s',
                    'median': None,
                    'p99': None,
                    'iterations': 0,
                    'unsupported': r['unsupported'],
                })
            else:
                payload.append({
                    'name': r['name'],
                    'unit': r['unit'],
                    'median': float(r['median']),
                    'p99': None if r['p99'] is None else float(r['p99']),
                    'iterations': int(r['iterations']),
                })
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(payload, f, indent=2)
            f.write('\n')
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description='waku (Python) peer benchmark for swift-waku')
    parser.add_argument('--quick', action='store_true', help='much shorter run (seconds)')
    parser.add_argument('--json', metavar='PATH', help='write results as a JSON array to PATH')
    parser.add_argument('--only', metavar='NAMES', help='comma-separated scenario names to run')
    parser.add_argument('-v', '--verbose', action='store_true', help='progress on stderr')
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == '__main__':
    sys.exit(main())
