#!/usr/bin/env bash
# Instructions per request, counted by callgrind (deterministic, unlike
# wall-clock rates on a shared machine).
#
#   bench/callgrind.sh                      # raw and treq
#   bench/callgrind.sh raw treq treq-get reqwest
#
# Runs `profile <client> N` (N sequential small GETs over loopback, server on
# its own thread in the same process) under callgrind for N=2000 and N=4000;
# the cost of one request is (total(4000) - total(2000)) / 2000, which cancels
# start-up (runtime, TLS roots). "process" counts every thread (client and
# server, as in the figures of issue 9); "client thread" only the main thread,
# where the client runtime and its connection tasks run. The ratio is against
# the first client named (raw by default).
#
# The callgrind files of the N=4000 runs stay in $CG_DIR (default
# /tmp/treq-callgrind) for callgrind_annotate, e.g.
#   callgrind_annotate --inclusive=yes /tmp/treq-callgrind/treq.4000-01 | head -80
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
out_dir="${CG_DIR:-/tmp/treq-callgrind}"
mkdir -p "$out_dir"
clients=("$@")
[ ${#clients[@]} -eq 0 ] && clients=(raw treq)

command -v valgrind >/dev/null || {
  echo "valgrind is missing: sudo apt-get install -y valgrind" >&2
  exit 1
}
cargo build --release --quiet --manifest-path "$here/Cargo.toml" --bin profile
bin="$target/release/profile"

# Sum of the Ir totals of the files given.
total() {
  local sum=0 t f
  for f in "$@"; do
    t=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
    sum=$((sum + t))
  done
  echo "$sum"
}

declare -A proc thread
for c in "${clients[@]}"; do
  for n in 2000 4000; do
    rm -f "$out_dir/$c.$n"-*
    valgrind --tool=callgrind --separate-threads=yes \
      --callgrind-out-file="$out_dir/$c.$n" "$bin" "$c" "$n" 2>/dev/null
  done
  proc[$c]=$((($(total "$out_dir/$c.4000"-*) - $(total "$out_dir/$c.2000"-*)) / 2000))
  thread[$c]=$((($(total "$out_dir/$c.4000-01") - $(total "$out_dir/$c.2000-01")) / 2000))
done

base="${clients[0]}"
printf '| client | instructions/request (process) | vs %s | client thread only | vs %s |\n' "$base" "$base"
printf '|---|---:|---:|---:|---:|\n'
for c in "${clients[@]}"; do
  awk -v c="$c" -v p="${proc[$c]}" -v bp="${proc[$base]}" -v t="${thread[$c]}" -v bt="${thread[$base]}" \
    'BEGIN { printf "| %s | %d | %.2fx | %d | %.2fx |\n", c, p, p / bp, t, t / bt }'
done
