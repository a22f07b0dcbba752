#!/usr/bin/env bash
# Run the quickstart example against a local DynamoDB. Arguments go to the example.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh

exec .venv/bin/python examples/quickstart.py "$@"
