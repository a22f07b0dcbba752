#!/usr/bin/env bash
# Run `dynamodb-wrapper demo` on an auto-started DynamoDB Local. Arguments go to the demo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh

exec .venv/bin/dynamodb-wrapper demo "$@"
