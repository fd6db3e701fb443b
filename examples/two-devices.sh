#!/usr/bin/env bash
# Two devices and a backup (README, "Two devices and a backup"): a laptop starts the chart, a
# desktop joins it, both work offline on the same client, and `chart sync` brings everything
# together through a bare backup repository, with no git commands by hand and nothing lost.
# Each "device" here is its own HOME (its own identity); in real use they are two machines.
#   usage: two-devices.sh [WORKDIR]   (default: a temporary folder, removed afterwards)
set -euo pipefail
unset CHART_REPO CHART_IDENTITY
run_chart() { if [ -n "${CHART:-}" ]; then $CHART "$@"; else chart "$@"; fi; }  # CHART="node bin/chart.js" in CI
work="${1:-}"
if [ -z "$work" ]; then work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
laptop() { HOME="$work/laptop" XDG_CONFIG_HOME="$work/laptop/.config" run_chart "$@"; }
desktop() { HOME="$work/desktop" XDG_CONFIG_HOME="$work/desktop/.config" run_chart "$@"; }
mkdir -p "$work/laptop" "$work/desktop"

# The backup: any bare git repository (a USB disk, a server over ssh). Its default branch does
# not matter; this one says `master`, chart's is `main`.
git init --quiet --bare --initial-branch=master "$work/backup.git"

# On the laptop: start the chart, add a client, send it to the backup.
cd "$work/laptop"
laptop init chart --label laptop >/dev/null
cd chart
client=$(laptop client add --name "Robin Example" --phone "555 0100")
laptop note add "$client" -m "Intake: first session." >/dev/null
laptop remote add origin "$work/backup.git"
laptop sync

# On the desktop: join. It prints the one line to run on the laptop.
cd "$work/desktop"
line=$(desktop join "$work/backup.git" chart --label desktop)
echo "desktop says, run on the laptop: $line"
cd "$work/desktop/chart"
desktop status

# Back on the laptop: run that line, and sync.
cd "$work/laptop/chart"
eval "laptop ${line#chart }" >/dev/null   # the line quotes its signing key: let the shell read it as typed
laptop sync
# On the desktop: sync, and the chart is readable.
cd "$work/desktop/chart"
desktop sync
desktop note list "$client"

# Both work offline on the same client, then sync: both changes are kept.
desktop client edit "$client" --email "robin@example.org" >/dev/null
cd "$work/laptop/chart" && laptop client edit "$client" --phone "555 0199" >/dev/null
laptop note add "$client" -m "Session two, on the laptop." >/dev/null
cd "$work/desktop/chart" && desktop note add "$client" -m "Phone call, on the desktop." --kind contact >/dev/null
cd "$work/laptop/chart" && laptop sync
cd "$work/desktop/chart" && desktop sync
cd "$work/laptop/chart" && laptop sync

laptop client show "$client" | grep -E '^(email|phone)'
laptop note list "$client"
laptop fsck --decrypt
cd "$work/desktop/chart" && desktop fsck --decrypt
# Every commit on both devices carries chart's generic author, never a name.
git log --format='%an <%ae>' | sort -u
