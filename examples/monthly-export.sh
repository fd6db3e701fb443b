#!/usr/bin/env bash
# Monthly export for cron (docs/export.md): last calendar month, all clients, as JSONL
# encrypted to an offline age key, one log line per run, non-zero exit on failure.
#
#   CHART_EXPORT_TO   the offline key's age recipient (age1...), required
#   CHART_EXPORT_DIR  where the encrypted files go (default ~/chart-exports)
#   CHART_EXPORT_LOG  the log file (default $CHART_EXPORT_DIR/export.log)
#   CHART_REPO        the chart (default: chart's own lookup)
#   CHART_BIN         how to run chart (default: chart)
#
# crontab: 15 3 1 * *  CHART_EXPORT_TO=age1... /path/to/monthly-export.sh
# Decrypt on the offline machine: age -d -i offline-key.txt chart-2026-10.jsonl.age
set -euo pipefail

dir="${CHART_EXPORT_DIR:-$HOME/chart-exports}"
log="${CHART_EXPORT_LOG:-$dir/export.log}"
read -r -a chart <<<"${CHART_BIN:-chart}"

logline() { printf '%s chart monthly export %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$log" >&2; }

mkdir -p "$dir"
chmod 700 "$dir"
month=""
trap 'logline "${month:-?}: FAILED (exit $?)"' ERR

: "${CHART_EXPORT_TO:?set CHART_EXPORT_TO to the age recipient (age1...) of the offline key}"
# Last month: GNU date, else BSD/macOS date.
month="$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m 2>/dev/null || date -u -v-1m +%Y-%m)"
out="$dir/chart-$month.jsonl.age"

summary="$("${chart[@]}" --json export --all --month "$month" --format jsonl --encrypt-to "$CHART_EXPORT_TO" --out "$out" --yes)"
records="$(printf '%s' "$summary" | sed -n 's/.*"records": *\([0-9]*\).*/\1/p')"
if [[ "${records:-0}" == 0 ]]; then
  logline "$month: nothing to export"
else
  logline "$month: ok, $records records, $out ($(wc -c <"$out" | tr -d ' ') bytes)"
fi
