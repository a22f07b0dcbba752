#!/usr/bin/env bash
# The benchmark (bench/): dynamodb_wrapper vs raw botocore, boto3 Table and PynamoDB against
# DynamoDB Local (started by the bench unless DYNAMODB_ENDPOINT_URL is set). Writes
# bench/results/latest.md and latest.png. Arguments go to `python -m bench`, e.g.
#   scripts/bench.sh --smoke      scripts/bench.sh --only query,page --profile
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh

STAMP=.venv/.bench-extra.sha256
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "bench: installing the bench extra (pip install -e '.[dev,bench]')" >&2
    piplog="$(mktemp)"
    if ! .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[dev,bench]' \
            >"$piplog" 2>&1; then
        cat "$piplog" >&2; rm -f "$piplog"; exit 1
    fi
    rm -f "$piplog"
    printf '%s\n' "$want" >"$STAMP"
fi

exec .venv/bin/python -m bench "$@"
