#!/usr/bin/env bash
# Send a referral bundle: what the client's consent allows, encrypted to the recipient's age key
# (stored on the consent, or given here), into a folder outside the chart.
#   usage: referral.sh CLIENT CONSENT_ID OUT_DIR [age1-recipient]
# The disclosure is logged in the chart automatically; `chart disclosures CLIENT` lists them.
set -euo pipefail
chart() { command "${CHART_BIN:-chart}" "$@"; }   # `command`: the program, not this function

client="$1" consent="$2" out="$3" to="${4:-}"
chart share "$client" --consent "$consent" --dry-run          # what will and won't leave
args=(share "$client" --consent "$consent" --out "$out" --format pdf,fhir --yes)
[ -n "$to" ] && args+=(--encrypt-to "$to")
chart "${args[@]}"
echo "bundle written to $out; the recipient opens it with: age -d -i THEIR_KEY FILE.age > FILE"
