#!/usr/bin/env bash
# The report command: set up (idempotent), then compute the results and build the report.
# Until the notebooks land this runs one short real experiment as a smoke check.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec .venv/bin/python -m antidistill run --mode authors --method xavier --seed 0 "$@"
