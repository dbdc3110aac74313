#!/usr/bin/env bash
# ctest's view of the nested harness: run the KVM tests inside QEMU
# (scripts/kvm-harness) and pass only when the program ran to its end and
# its result line says every check passed. SKIPPED (exit 77) when the
# kernel or QEMU is missing: never a pass.
#   run_harness.sh SCRIPTS/kvm-harness BUILD/kvm-harness-tests
set -uo pipefail
out="$("$1" "$2" 2>&1)"
rc=$?
printf '%s\n' "$out"
[ $rc -eq 77 ] && exit 77
result="$(printf '%s\n' "$out" | grep -E '^kvm-harness-tests: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
if [ -z "$result" ]; then
  echo "run_harness: no result line: the tests did not run (harness exit $rc)"
  exit 1
fi
if [ $rc -ne 0 ] || ! [[ "$result" =~ ^kvm-harness-tests:\ [1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
  echo "run_harness: $result (harness exit $rc)"
  exit 1
fi
exit 0
