#!/usr/bin/env bash
# Load time and peak memory of the Azure reader on a synthetic Azure-format
# month (30 daily reading files, one reading per VM every 300 s, and a
# vmtable), generated on the fly into named pipes so that nothing but the
# vmtable is written to disk (the month of 100 000 VMs is ~83 GB of text).
#
#   benches/azure-month.sh [VMS [SAMPLE_FRACTION]]      (defaults: 100000, whole)
#
# Prints the test's own line (VMs, readings, load time, GB of samples) and the
# peak resident memory from /usr/bin/time -v. The peak includes the generator
# thread (a 1 MB buffer and the VM ids). Runs niced: it takes one core for the
# generator and one for the reader.
set -euo pipefail
cd "$(dirname "$0")/.."
vms=${1:-100000}
sample=${2:-}
cargo test --release --locked -q -p cirrus-traces --test azure_month --no-run 2>/dev/null
bin=$(cargo test --release --locked -q -p cirrus-traces --test azure_month --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*azure_month[^"]*\)".*/\1/p' | tail -1)
log=$(mktemp)
env CIRRUS_MONTH_VMS="$vms" ${sample:+CIRRUS_MONTH_SAMPLE="$sample"} \
  nice -n 10 /usr/bin/time -v "$bin" --ignored --nocapture --test-threads 1 2>"$log" >/dev/null || { cat "$log"; exit 1; }
grep -E '^(loaded|wrote)' "$log"
grep -E 'Maximum resident set size|Elapsed \(wall clock\)' "$log"
rm -f "$log"
