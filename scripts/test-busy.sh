#!/usr/bin/env bash
# The whole test suite on a busy machine: a CPU hog on every core, then `npm run test:unit` RUNS times in a row
# (after one build, typecheck and lint), each run's pass/fail and duration printed at the end. A test that fails
# only here has a race that users' busy machines will hit too.
#
#   bash scripts/test-busy.sh            # 3 runs, one hog per core
#   RUNS=1 HOGS=4 bash scripts/test-busy.sh
#
# The hog is stress-ng when installed, else one busy Node loop per core. Each hog also ends itself after
# HOG_LIMIT_S seconds, so even a `kill -9` of this script cannot leave the machine loaded for long.
set -u
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
HOGS="${HOGS:-$(nproc)}"
# One run of the suite takes minutes; a run that is still going after this is a hang, named in its log.
RUN_LIMIT_S="${RUN_LIMIT_S:-2400}"
HOG_LIMIT_S="${HOG_LIMIT_S:-$((RUNS * RUN_LIMIT_S + 600))}"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/ffmock-busy-XXXXXX")"
HOG_PIDS=()

stop_hogs() {
  for pid in "${HOG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${HOG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  HOG_PIDS=()
}
trap stop_hogs EXIT
trap 'echo "interrupted: stopping the hogs" >&2; exit 130' INT TERM

if ! npm run build --silent >"$LOGS/build.log" 2>&1 || ! npm run typecheck --silent >>"$LOGS/build.log" 2>&1 ||
  ! npm run lint --silent >>"$LOGS/build.log" 2>&1; then
  echo "build, typecheck or lint failed (before any hog started): $LOGS/build.log" >&2
  tail -20 "$LOGS/build.log" >&2
  exit 1
fi

if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu "$HOGS" --timeout "${HOG_LIMIT_S}s" --quiet &
  HOG_PIDS+=("$!")
  hog="stress-ng --cpu $HOGS"
else
  for _ in $(seq "$HOGS"); do
    node -e "const end = Date.now() + ${HOG_LIMIT_S}e3; while (Date.now() < end) {}" &
    HOG_PIDS+=("$!")
  done
  hog="$HOGS busy Node loops"
fi
echo "hog: $hog (pids ${HOG_PIDS[*]}); $RUNS runs of npm run test:unit; logs in $LOGS"

failed=0
summary=()
for run in $(seq "$RUNS"); do
  started=$(date +%s.%N)
  timeout --kill-after=30 "$RUN_LIMIT_S" npm run test:unit >"$LOGS/run-$run.log" 2>&1
  code=$?
  took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  pass=$(grep -E '^(ℹ|#) pass ' "$LOGS/run-$run.log" | tail -1 | awk '{print $3}')
  fail=$(grep -E '^(ℹ|#) fail ' "$LOGS/run-$run.log" | tail -1 | awk '{print $3}')
  cancelled=$(grep -E '^(ℹ|#) cancelled ' "$LOGS/run-$run.log" | tail -1 | awk '{print $3}')
  if [ "$code" -eq 0 ]; then verdict=PASS; else verdict="FAIL (exit $code)"; failed=1; fi
  [ "$code" -eq 124 ] && verdict="HUNG: killed after ${RUN_LIMIT_S} s"
  line=$(printf 'run %s: %-28s %7.1f s  pass %s, fail %s, cancelled %s  (%s)' "$run" "$verdict" "$took" \
    "${pass:-?}" "${fail:-?}" "${cancelled:-?}" "$LOGS/run-$run.log")
  echo "$line"
  summary+=("$line")
  if [ "$code" -ne 0 ]; then
    # The names of what failed or timed out, from the spec reporter's closing list.
    sed -n '/failing tests:/,$p' "$LOGS/run-$run.log" | grep -E '✖|timed out' | head -20
  fi
done

stop_hogs
echo
echo "summary ($hog, $(nproc) cores):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
