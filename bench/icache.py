#!/usr/bin/env python3
"""Instruction-cache pressure at C=64: the code the request tasks run, and
the first-level instruction-cache misses it causes, per request.

    bench/icache.py raw treq                  # this CPU's L1i geometry
    bench/icache.py --ways 16,20,24 treq      # the same sets, more ways: a
                                              # larger cache, i.e. less code

At C=64 (`profile <client> N 64`, see bench/src/bin/profile.rs) the runtime
polls the 64 request tasks one after another, so the code one task's poll
runs must stay in the L1 instruction cache across the other 63 polls. When
it does not fit, nearly every line of it is fetched again on every request.
This script measures both sides of that:

- task code: the distinct 64-byte lines of machine code run at least once
  per request inside the benchmark's request tasks (callgrind
  --toggle-collect on the task's closure; the connection tasks and the
  embedded server are not counted);
- I1 misses: callgrind's cache simulation with this CPU's L1i (read from
  /sys, e.g. 64 KiB, 16-way, 64-byte lines), per request: the difference of
  the client thread's misses at N=6400 and N=3200, over 3200, which cancels
  start-up. --ways keeps the number of sets and changes the associativity,
  which is a larger (or smaller) cache with the same mapping: how the misses
  would fall if the code shrank by the same factor.

Deterministic for a given build; a rebuild that moves code moves the counts
a little (tens of misses), as the code's addresses decide its cache sets. Needs valgrind; builds the profile binary
(CARGO_TARGET_DIR is honoured).
"""

import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL, LARGE = 3200, 6400


def hot_lines_module():
    spec = importlib.util.spec_from_file_location("hot_lines", os.path.join(HERE, "hot-lines.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def l1i_geometry():
    """(size in bytes, ways, line size) of this CPU's L1 instruction cache."""
    base = "/sys/devices/system/cpu/cpu0/cache"
    for index in sorted(os.listdir(base)):
        if not index.startswith("index"):
            continue
        read = lambda name: open(os.path.join(base, index, name)).read().strip()
        if read("level") == "1" and read("type") == "Instruction":
            size = read("size")
            size = int(size[:-1]) * 1024 if size.endswith("K") else int(size)
            return size, int(read("ways_of_associativity")), int(read("coherency_line_size"))
    sys.exit("no L1 instruction cache listed under " + base)


def totals(path):
    """{event: total} of a callgrind file."""
    events = None
    with open(path) as f:
        for text in f:
            if text.startswith("events:"):
                events = text.split()[1:]
            elif text.startswith(("summary:", "totals:")):
                return dict(zip(events, map(int, text.split()[1:])))
    sys.exit("no totals in " + path)


def callgrind(binary, client, n, out, *options):
    """Runs `profile <client> <n> 64` under callgrind with `options`; the
    client thread's file is `out` + "-01" (the first thread is the main
    thread: the client runtime and its tasks)."""
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", *options]
        + [f"--callgrind-out-file={out}", binary, client, str(n), "64"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return out + "-01"


def misses_per_request(binary, client, size, ways, line, tmp):
    per_count = {}
    for n in (SMALL, LARGE):
        out = os.path.join(tmp, f"{client}-{ways}-{n}")
        cache = ["--cache-sim=yes", f"--I1={size},{ways},{line}"]
        per_count[n] = totals(callgrind(binary, client, n, out, *cache))
    diff = lambda event: (per_count[LARGE][event] - per_count[SMALL][event]) / (LARGE - SMALL)
    return diff("Ir"), diff("I1mr")


def task_lines(binary, client, tmp, hot_lines):
    out = os.path.join(tmp, f"{client}.task")
    task_only = ["--dump-instr=yes", "--collect-atstart=no", "--toggle-collect=profile::concurrent::*"]
    path = callgrind(binary, client, LARGE, out, *task_only)
    hot_lines.REQUESTS = LARGE
    per_function = hot_lines.hot_lines(path)
    return len(set().union(*per_function.values())) if per_function else 0


def main():
    args = sys.argv[1:]
    size, ways, line = l1i_geometry()
    all_ways = [ways]
    if "--ways" in args:
        i = args.index("--ways")
        all_ways = [int(w) for w in args[i + 1].split(",")]
        del args[i : i + 2]
    clients = args or ["raw", "treq"]
    sets = size // (ways * line)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "target"))
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "profile"], cwd=HERE, check=True)
    binary = os.path.join(target, "release", "profile")
    hot_lines = hot_lines_module()
    print(f"L1i of this CPU: {size // 1024} KiB, {ways}-way, {line}-byte lines ({sets} sets)")
    with tempfile.TemporaryDirectory() as tmp:
        for client in clients:
            lines = task_lines(binary, client, tmp, hot_lines)
            print(f"{client}: request-task code {lines} lines ({lines * line // 1024} KiB) per request")
            for w in all_ways:
                ir, i1mr = misses_per_request(binary, client, sets * w * line, w, line, tmp)
                print(
                    f"  I1 {sets * w * line // 1024:3d} KiB {w:2d}-way: "
                    f"{i1mr:6.0f} I1 misses, {ir:7.0f} instructions per request"
                )


if __name__ == "__main__":
    main()
