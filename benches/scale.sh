#!/usr/bin/env bash
# Scale benchmarks (issue 15). For each scale scenario, with `--threads 1` and with every
# core side by side: wall time (process start to results written, median of REPS runs),
# peak memory (/usr/bin/time -v), simulated VM-steps per second and migrations per second
# (from summary.json over the simulated part of the wall time); then the growth exponent
# of the planetlab-x series (least-squares slope of log wall time over log k).
#
#   benches/scale.sh            # x1 .. x64, 20k-hosts-ff, 1m-vms-ff, 50k-hosts-lr-mmt
#   benches/scale.sh quick      # x1, x2, x4, x8 and 20k-hosts-ff only
#   REPS=5 benches/scale.sh     # median of 5 (default 3)
#
# A run that has not finished after SCALE_LIMIT_S seconds (default 300) is stopped and
# reported as such; it does not enter the growth exponent.
#
# CloudSim 4.0 on the same 2-core machine (issue 8): LR-MMT x1 14 s, x2 45 s, x4 194 s,
# x8 > 25 min. CloudSim Plus: 20k hosts / 40k VMs first fit 5.95 s; 50k hosts / 100k VMs
# over 3.86 months at 1 h 6.38 min without consolidation (published).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p cirrus-cli
bin=${CARGO_TARGET_DIR:-target}/release/cirrus
limit=${SCALE_LIMIT_S:-300}
reps=${REPS:-3}
cores=$(nproc)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

series=(1 2 4 8)
extra=(scenarios/scale/20k-hosts-ff.toml)
if [[ "${1:-}" != quick ]]; then
  series+=(16 64)
  extra+=(scenarios/scale/1m-vms-ff.toml scenarios/scale/50k-hosts-lr-mmt.toml)
fi

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# One configuration, REPS times: prints "wall_s rss_mb vmsteps_per_s migrations_per_s",
# medians, or "stopped".
measure() {
  local scenario=$1 threads=$2 i
  : >"$out/walls"; : >"$out/rss"; : >"$out/vms"; : >"$out/migs"
  for ((i = 0; i < reps; i++)); do
    rm -rf "$out/run"
    if ! /usr/bin/time -v -o "$out/time.txt" timeout "$limit" \
        "$bin" run "$scenario" --threads "$threads" --out "$out/run" >"$out/stdout.txt"; then
      echo stopped
      return
    fi
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' \
      "$out/time.txt" >>"$out/walls"
    awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' "$out/time.txt" >>"$out/rss"
    local sim vmsteps migs
    sim=$(awk '/^wall time/ {for(i=1;i<=NF;i++) if ($i=="simulate") print $(i+1)}' "$out/stdout.txt")
    vmsteps=$(grep -o '"vm_steps": [0-9]*' "$out/run/summary.json" | cut -d' ' -f2)
    migs=$(grep -o '"migrations": [0-9]*' "$out/run/summary.json" | head -1 | cut -d' ' -f2)
    awk -v v="$vmsteps" -v s="$sim" 'BEGIN {print v / (s > 0 ? s : 1e-9)}' >>"$out/vms"
    awk -v m="$migs" -v s="$sim" 'BEGIN {print m / (s > 0 ? s : 1e-9)}' >>"$out/migs"
    # VMs migrating per round (issue 15 asks it of 50k-hosts-lr-mmt): intervals.csv's
    # `migrations` column, one row per step.
    if [[ -f $out/run/intervals.csv ]]; then
      awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "migrations") c = i; next} c {print $c}' \
        "$out/run/intervals.csv" >"$out/per_round"
      awk -v med="$(median <"$out/per_round")" '{s += $1; n++; if ($1 > m) m = $1}
        END {if (n && s > 0) printf "migrations per round: mean %.1f, median %g, max %d over %d rounds\n", s / n, med, m, n}' \
        "$out/per_round" >"$out/rounds"
    fi
  done
  echo "$(median <"$out/walls") $(median <"$out/rss") $(median <"$out/vms") $(median <"$out/migs")"
}

# scenario, target wall s (0: none), target peak MB (0: none); prints one row and leaves
# the all-cores median wall time in $out/last_wall (empty if stopped).
run() {
  local scenario=$1 target_s=$2 target_mb=$3 name one all
  name=$(basename "$scenario" .toml)
  one=$(measure "$scenario" 1)
  all=$(measure "$scenario" "$cores")
  : >"$out/last_wall"
  awk -v name="$name" -v one="$one" -v all="$all" -v ts="$target_s" -v tm="$target_mb" \
      -v limit="$limit" -v out="$out/last_wall" 'BEGIN {
    n1 = split(one, a, " "); n2 = split(all, b, " ");
    if (n1 < 4) { a[1] = "stopped" } ; if (n2 < 4) { b[1] = "stopped" }
    target = ts > 0 ? sprintf("< %g s", ts) : "-";
    if (tm > 0) target = target sprintf(", < %g MB", tm);
    verdict = "-";
    if (b[1] == "stopped") verdict = (ts > 0 ? "MISSED (stopped after " limit " s)" : "stopped");
    else if (ts > 0 || tm > 0) verdict = ((ts == 0 || b[1] < ts) && (tm == 0 || b[2] < tm)) ? "ok" : "MISSED";
    if (b[1] != "stopped") print b[1] > out;
    fmt = "%-22s %9s %9s %9s | %9s %9s %9s %11s | %-18s %s\n";
    f1 = a[1] == "stopped" ? "stopped" : sprintf("%.2f s", a[1]);
    f2 = b[1] == "stopped" ? "stopped" : sprintf("%.2f s", b[1]);
    printf fmt, name, f1, (a[1] == "stopped" ? "-" : sprintf("%.0f MB", a[2])),
      (a[1] == "stopped" ? "-" : sprintf("%.2f M", a[3] / 1e6)),
      f2, (b[1] == "stopped" ? "-" : sprintf("%.0f MB", b[2])),
      (b[1] == "stopped" ? "-" : sprintf("%.2f M", b[3] / 1e6)),
      (b[1] == "stopped" ? "-" : sprintf("%.0f", b[4])), target, verdict
  }'
  if [[ -s $out/rounds ]]; then
    printf '%-22s %s\n' "" "$(cat "$out/rounds")"
    : >"$out/rounds"
  fi
}

printf "%-22s %31s | %43s |\n" "" "--threads 1" "--threads $cores"
printf "%-22s %9s %9s %9s | %9s %9s %9s %11s | %-18s %s\n" scenario wall "peak RSS" VM-steps/s \
  wall "peak RSS" VM-steps/s migrations/s target verdict
xs=()
ys=()
for k in "${series[@]}"; do
  scenario=scenarios/scale/planetlab-x$k-lr-mmt.toml
  case $k in 8) target=2 ;; 64) target=20 ;; *) target=0 ;; esac
  run "$scenario" "$target" 0
  if [[ -s $out/last_wall ]]; then
    xs+=("$k")
    ys+=("$(cat "$out/last_wall")")
  fi
done
for scenario in "${extra[@]}"; do
  case $scenario in
    *20k-hosts-ff*) run "$scenario" 1 0 ;;
    *1m-vms-ff*) run "$scenario" 60 8192 ;;
    *50k-hosts*) run "$scenario" 60 2048 ;;
  esac
done
want=${series[-1]}
printf '%s %s\n' "${xs[*]}" "${ys[*]}" | awk -v want="$want" '{
  n = NF / 2
  if (n < 2) { print "planetlab-x growth exponent: fewer than two runs finished"; exit }
  for (i = 1; i <= n; i++) { x = log($i); y = log($(i + n)); sx += x; sy += y; sxx += x * x; sxy += x * y }
  b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
  verdict = $n < want ? "incomplete (runs stopped)" : (b <= 1.15 ? "ok" : "MISSED")
  printf "planetlab-x growth exponent (all cores, k = %s .. %s): %.2f   target <= 1.15 %s\n", $1, $n, b, verdict
}'
