#!/usr/bin/env python3
"""How much code one request runs: distinct 64-byte code lines, per function.

    bench/hot-lines.py raw treq              # totals, and the functions that differ most
    bench/hot-lines.py treq --top 40         # one client's largest functions

Runs `profile <client> 2000` (see bench/src/bin/profile.rs) under callgrind
with --dump-instr=yes and counts, on the client thread, the 64-byte lines of
machine code holding an instruction that ran at least once per request on
average (2000 times): all the code a request runs, the connection task's
included. For what decides the rate at C=64, the request task's code
against the instruction cache, see bench/icache.py and BENCHMARKS.md.

Needs valgrind; builds the profile binary with cargo (CARGO_TARGET_DIR is
honoured). Deterministic for a given build.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

REQUESTS = 2000
LINE = 64


def run(client, binary, out_dir):
    out = os.path.join(out_dir, f"{client}.lines")
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--dump-instr=yes",
            "--separate-threads=yes",
            f"--callgrind-out-file={out}",
            binary,
            client,
            str(REQUESTS),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The first thread is the main thread: the client runtime and its tasks.
    return hot_lines(out + "-01")


def hot_lines(path):
    """{function name: set of hot code lines} from a callgrind file."""
    names, lines = {}, collections.defaultdict(set)
    current, addr, after_call = None, 0, False

    def name_of(token):
        m = re.match(r"\((\d+)\)(?: (.*))?", token)
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return m.group(1)

    with open(path) as f:
        for text in f:
            if text.startswith("fn="):
                current = name_of(text[3:].strip())
            elif text.startswith("cfn="):
                name_of(text[4:].strip())
            elif text.startswith("calls="):
                # The next position line is the call's inclusive cost.
                after_call = True
            elif text[:1] in "+-*0":
                fields = text.split()
                pos = fields[0]
                if pos.startswith("0x"):
                    addr = int(pos, 16)
                elif pos[0] in "+-":
                    addr += int(pos)
                if after_call:
                    after_call = False
                elif len(fields) >= 3 and current and int(fields[2]) >= REQUESTS:
                    lines[current].add(addr // LINE)
    return {names.get(k, k): v for k, v in lines.items()}


def short(name):
    return re.sub(r"\s*\[/.*$", "", name)[:150]


def main():
    args = sys.argv[1:]
    top = 25
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    clients = args or ["raw", "treq"]
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "target"))
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "profile"],
        cwd=here,
        check=True,
    )
    binary = os.path.join(target, "release", "profile")
    with tempfile.TemporaryDirectory() as tmp:
        per = {c: run(c, binary, tmp) for c in clients}
    for c in clients:
        total = len(set().union(*per[c].values())) if per[c] else 0
        print(f"{c}: {total} distinct hot code lines ({total * LINE // 1024} KiB) per request")
    if len(clients) == 1:
        rows = sorted(((len(v), k) for k, v in per[clients[0]].items()), reverse=True)
        for n, k in rows[:top]:
            print(f"{n:5d}  {short(k)}")
        return
    base, other = per[clients[0]], per[clients[1]]
    counts = lambda d: collections.Counter({short(k): len(v) for k, v in d.items()})
    b, o = counts(base), counts(other)
    rows = sorted(((o[k] - b[k], k) for k in set(b) | set(o)), reverse=True)
    print(f"\nfunctions by lines, {clients[1]} minus {clients[0]} ({clients[1]} / {clients[0]}):")
    for d, k in rows[:top]:
        print(f"{d:+5d}  ({o[k]:3d} / {b[k]:3d})  {k}")


if __name__ == "__main__":
    main()
