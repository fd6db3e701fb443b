#!/usr/bin/env bash
# A throwaway chart with an invented client: a note, medications, a diagnosis, a consent and a
# share bundle. Everything lives in a temporary folder (its own identity too); your own chart
# and keys are never touched. Run it with: npm run demo
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
chart() { node "$here/bin/chart.js" "$@"; }

demo="$(mktemp -d "${TMPDIR:-/tmp}/chart-demo.XXXXXX")"
export CHART_IDENTITY="$demo/identity"        # a demo key, not yours
export CHART_REPO="$demo/chart"
export CHART_CLINICIAN="Dr. Demo Clinician"
export XDG_RUNTIME_DIR="$demo/run"; mkdir -m 700 "$XDG_RUNTIME_DIR"

step() { printf '\n\033[1m$ chart %s\033[0m\n' "$*"; chart "$@"; }

step init "$CHART_REPO"
step practice set --name "Demo Counseling, PLLC" --clinician "Dr. Demo Clinician" --credentials PhD \
  --address "12 Example St\\nSpringfield, IL 62701" --time-zone America/Chicago
client=$(chart client add --name "Avery Example" --preferred-name "Ave" --pronouns they/them --dob 1991-04-12)
echo "client: $client"
step note add Avery --template soap --duration 53 --cpt 90837 \
  -m "## Subjective
Reports sleeping 6 hours most nights; fewer panic episodes (two this week).
<private>Mentioned a conflict with their sister; not for the record shared.</private>

## Objective
Calm, engaged, good eye contact.

## Assessment
Panic symptoms improving with interoceptive exposure.

## Plan
Continue CBT weekly; review sleep diary next session." --sign
step note add Avery --kind psychotherapy -m "Process note: transference themes; kept apart."
step note list Avery
step med add Avery sertraline --dose "50 mg" --frequency daily --prescriber "Dr. Rivera (PCP)" -d 2026-09-01
step med edit Avery sertraline --dose "100 mg" --date 2026-10-15
step med list Avery
step dx add Avery F41.0 --status active --primary
step dx list Avery
step timeline Avery
consent=$(chart consent add Avery --to "Dr. Jordan Lee" --org "Northside Psychiatry" \
  --purpose "medication evaluation" --share demographics,diagnoses,medications,notes \
  --expires 2027-06-01 --signed today --json | node -e 'process.stdin.on("data",d=>console.log(JSON.parse(d).id))')
echo "consent: $consent"
step share Avery --consent "$consent" --dry-run
step share Avery --consent "$consent" --out "$demo/bundle" --format pdf,fhir,json --yes
step disclosures Avery
echo
ls -l "$demo/bundle"
echo
echo "The demo chart is in $CHART_REPO (a git repository; every record is an age file)."
echo "Its identity is $CHART_IDENTITY; try: age -d -i $CHART_IDENTITY $CHART_REPO/clients/*/profile.age"
echo "The share bundle is in $demo/bundle. Remove it all with: rm -rf $demo"
