#!/usr/bin/env bash
# Times a scenario end to end (process start to results written, as CloudSim's wall time is
# measured) and prints the speed-up over a CloudSim wall time you pass in.
#
#   benches/vs-cloudsim.sh SCENARIO CLOUDSIM_WALL_S [RUNS]
#   benches/vs-cloudsim.sh scenarios/planetlab-20110303-dvfs.toml 5.31
#
# CloudSim 4.0 figures on this 2-core machine: docs/CLOUDSIM.md §4.2
# (DVFS 5.31 s solo). Uses /usr/bin/time -v for wall time and peak memory; reports the median.
set -euo pipefail
scenario=${1:?usage: $0 SCENARIO CLOUDSIM_WALL_S [RUNS]}
cloudsim_s=${2:?usage: $0 SCENARIO CLOUDSIM_WALL_S [RUNS]}
runs=${3:-5}
cd "$(dirname "$0")/.."
cargo build --release -q -p cirrus-cli
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
walls=()
rss=0
for _ in $(seq "$runs"); do
  rm -rf "$out/run"   # a fresh folder each time: cirrus run refuses one holding results
  /usr/bin/time -v -o "$out/time.txt" target/release/cirrus run "$scenario" --out "$out/run" >/dev/null
  w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$out/time.txt")
  r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
  walls+=("$w")
  (( r > rss )) && rss=$r
done
median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
energy=$(grep -o '"energy_kwh": [0-9.]*' "$out/run/summary.json" | cut -d' ' -f2)
awk -v s="$scenario" -v m="$median" -v c="$cloudsim_s" -v r="$rss" -v e="$energy" -v n="$runs" 'BEGIN {
  printf "scenario        %s\nruns            %d\nenergy          %.2f kWh\nwall (median)   %.3f s\npeak RSS        %.1f MB\nCloudSim wall   %.2f s\nspeed-up        %.0fx\n", s, n, e, m, r/1024, c, (m > 0 ? c/m : 0)
}'
