#!/usr/bin/env bash
# The test command: set up (idempotent), then run the whole test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec .venv/bin/python -m pytest -q --durations=10 "$@"
