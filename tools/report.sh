#!/usr/bin/env bash
# The report command: set up (idempotent), then execute every notebook with papermill and build
# the book. Options go to `python -m antidistill book` (default: the paper profile from published/,
# nothing trained).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec .venv/bin/python -m antidistill book "$@"
