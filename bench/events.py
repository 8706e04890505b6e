"""Event store benchmark: 4 processes record 100,000 events concurrently into one SQLite
store through the recorder (batched), then every row is counted against what was sent.

Usage: .venv/bin/python bench/events.py [--processes 4] [--events 100000] [--batch 500]
       [--store PATH]

Last line (machine-readable): ``events: recorded=<n> lost=<n> per_second=<x>``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path


def _worker(url: str, spool: str, worker: int, count: int, batch: int, ready, go) -> None:  # type: ignore[no-untyped-def]
    from parcours.store import Event
    from parcours_lab.recorder import Recorder

    recorder = Recorder(
        url, spool_dir=spool, batch_size=batch, enabled=True, busy_timeout_ms=30_000
    )
    actor = f"p-{worker:016x}"
    events = [
        Event.make(
            actor=actor,
            verb="answered",
            course="bench",
            object_type="question",
            object_id=f"q{n % 40}",
            lesson=f"l{n % 7:02d}",
            score=float(n % 2),
            success=n % 2,
            response=n % 4,
            duration_s=12.5,
            attempt=1 + n % 2,
            extra={"hints": n % 3, "worker": worker},
        )
        for n in range(count)
    ]
    ready.wait()
    go.wait()
    spooled = 0
    for event in events:
        if recorder.record(event).status == "spooled":
            spooled += 1
    if recorder.flush().status == "spooled":
        spooled += 1
    recorder.close()
    if spooled:
        print(f"worker {worker}: {spooled} write(s) went to the spool", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="events per write (recorder buffer)")
    parser.add_argument("--store", help="SQLite file (default: a new one in a temp folder)")
    args = parser.parse_args(argv)

    from parcours.store import open_store
    from parcours.store.spool import Spool

    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        path = Path(args.store) if args.store else Path(tmp) / "events.sqlite"
        url = f"sqlite:///{path}"
        spool = str(Path(tmp) / "spool")
        store = open_store(url)
        before = store.count(course="bench")
        per = [args.events // args.processes] * args.processes
        per[0] += args.events - sum(per)
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Barrier(args.processes + 1)
        go = ctx.Event()
        procs = [
            ctx.Process(target=_worker, args=(url, spool, n, per[n], args.batch, ready, go))
            for n in range(args.processes)
        ]
        for proc in procs:
            proc.start()
        ready.wait()  # events built in every process: time only the recording
        start = time.perf_counter()
        go.set()
        for proc in procs:
            proc.join()
        elapsed = time.perf_counter() - start
        failed = [p.exitcode for p in procs if p.exitcode != 0]
        # anything left in the spool is flushed now: spooled is delayed, not lost
        leftover = Spool(spool).flush(store)
        recorded = store.count(course="bench") - before
        lost = args.events - recorded
        rate = recorded / elapsed if elapsed > 0 else 0.0
        print(f"processes: {args.processes}  batch: {args.batch}  store: {path}")
        print(
            f"sent: {args.events}  recorded: {recorded}  flushed from spool at the end: {leftover}"
        )
        print(f"elapsed: {elapsed:.2f} s  throughput: {rate:,.0f} events/s")
        if failed:
            print(f"worker exit codes: {failed}", file=sys.stderr)
        store.close()
        print(f"events: recorded={recorded} lost={lost} per_second={rate:.0f}")
        return 0 if lost == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
