#!/usr/bin/env bash
# Lint, type-check and test. Extra arguments go to pytest, e.g.
#   scripts/test.sh -m 'not integration'   or   scripts/test.sh tests/unit -x
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh

echo "== ruff"
.venv/bin/ruff check dynamodb_wrapper tests
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest -q "$@"
if [ "$#" -eq 0 ]; then
    # The fast wire path (core/fastpath.py) is on by default; prove the standard botocore
    # serializer/parser path gives the same results.
    echo "== pytest (integration and faults, fast path off)"
    DYNAMODB_FAST_PATH=false .venv/bin/pytest -q tests/integration tests/faults
fi
