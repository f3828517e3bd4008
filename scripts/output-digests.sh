#!/usr/bin/env bash
# Digests of every output file of every shipped scenario and sweep, for proving that a
# change alters no result byte (issue 14: "all output files of every shipped scenario
# byte-identical before and after").
#
#   scripts/output-digests.sh [CIRRUS_BINARY] > digests.txt
#   diff <(scripts/output-digests.sh old/cirrus) <(scripts/output-digests.sh new/cirrus)
#
# or, to compare the working tree with a git revision in one go:
#
#   scripts/output-digests.sh --against REV
#
# Each line is "sha256  scenario/file". A run's provenance files (manifest.json: start and
# wall time; scenario.resolved.toml: the working folder) are left out, like timings.csv. Scale scenarios are cut short with
# `--set simulation.duration_s=...` (SCALE_DURATION_S, default 7200 s: initial placement and
# two consolidation rounds), except 50k-hosts-lr-mmt which runs 3600.1 s (initial placement
# only) unless FULL=1. Sweeps write runs.csv and aggregate.csv (timings.csv holds wall
# times and is left out). CIRRUS_THREADS=N runs every scenario with `--threads N` and
# every sweep with `--threads-per-run N` (default: the binary's defaults); the digests
# must not depend on it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == --against ]]; then
  rev=${2:?usage: scripts/output-digests.sh --against REV}
  work=$(mktemp -d)
  trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  git worktree add --detach "$work/tree" "$rev" >/dev/null
  echo "building $rev ..." >&2
  (cd "$work/tree" && CARGO_TARGET_DIR="$work/target" cargo build --release -q -p cirrus-cli)
  echo "building the working tree ..." >&2
  cargo build --release -q -p cirrus-cli
  "$0" "$work/target/release/cirrus" >"$work/before.txt"
  "$0" target/release/cirrus >"$work/after.txt"
  if diff "$work/before.txt" "$work/after.txt"; then
    echo "identical: $(wc -l <"$work/after.txt") output files of $rev and the working tree" >&2
  else
    echo "DIFFERENT: the lines above differ between $rev (<) and the working tree (>)" >&2
    exit 1
  fi
  exit 0
fi

bin=${1:-target/release/cirrus}
[[ -x "$bin" ]] || { echo "no executable $bin (build with cargo build --release -p cirrus-cli)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scale_s=${SCALE_DURATION_S:-7200}
run_threads=()
sweep_threads=()
if [[ -n "${CIRRUS_THREADS:-}" ]]; then
  run_threads=(--threads "$CIRRUS_THREADS")
  sweep_threads=(--threads-per-run "$CIRRUS_THREADS")
fi

digest() { # name folder
  (cd "$2" && find . -type f ! -name timings.csv ! -name manifest.json ! -name scenario.resolved.toml ! -path './runs/*' \
    | LC_ALL=C sort | while read -r f; do
    printf '%s  %s/%s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$1" "${f#./}"
  done)
}

for scenario in $(find scenarios -name '*.toml' ! -path 'scenarios/sweeps/*' | LC_ALL=C sort); do
  name=${scenario#scenarios/}
  name=${name%.toml}
  args=()
  case $scenario in
    scenarios/scale/50k-*) [[ "${FULL:-0}" == 1 ]] || args=(--set simulation.duration_s=3600.1) ;;
    scenarios/scale/*) [[ "${FULL:-0}" == 1 ]] || args=(--set "simulation.duration_s=$scale_s") ;;
  esac
  echo "run $name ${args[*]}" >&2
  "$bin" run "$scenario" --out "$out/$name" "${args[@]}" "${run_threads[@]}" >/dev/null
  digest "$name" "$out/$name"
done
for sweep in $(find scenarios/sweeps -name '*.toml' | LC_ALL=C sort); do
  grep -q '^\[sweep\]\|^name' "$sweep" || continue
  name=sweeps/$(basename "$sweep" .toml)
  echo "sweep $name" >&2
  "$bin" sweep "$sweep" --out "$out/$name" "${sweep_threads[@]}" >/dev/null
  digest "$name" "$out/$name"
done
