#!/usr/bin/env bash
# The whole test suite: static checks, then unit, integration (local cluster) and end-to-end
# (Chromium) tests. Ends with one line "N passed, N failed" over every test that ran.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
status=0

echo "== typecheck"; npm run --silent typecheck || status=1
echo "== lint";      npm run --silent lint || status=1
echo "== build";     npm run --silent build || status=1

for project in unit integration e2e reliability; do
  echo "== $project tests"
  npx vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="test-results/$project.json" || status=1
done

# The reliability project above is the kill-and-restart half of `npm run test:reliability`; this
# is the other half: fuzzing with 100,000 generated inputs per target (about 1.5 to 3 minutes on
# 2 shared cores), printing "fuzz inputs tried" and "failures".
echo "== fuzzing"; npx jiti test/fuzz/reliability.ts || status=1

node test/summary.js test-results/unit.json test-results/integration.json test-results/e2e.json \
  test-results/reliability.json || status=1
exit $status
