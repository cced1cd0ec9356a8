#!/usr/bin/env bash
# Prints one grand-total line from the output of the vitest suites (a log file): tests: N passed, N failed
set -euo pipefail
sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
  /Tests +[0-9]+ (passed|failed)/ {
    for (i = 1; i <= NF; i++) if ($i == "passed") p += $(i - 1)
    if (match($0, /[0-9]+ failed/)) f += substr($0, RSTART, RLENGTH) + 0
  }
  END { printf "\ntests: %d passed, %d failed\n", p, f }'
