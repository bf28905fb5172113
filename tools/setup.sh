#!/usr/bin/env bash
# Sets up a fresh Debian machine for antidistill: system packages, .venv with requirements.txt,
# and Fashion-MNIST. Safe to rerun: finished steps are skipped. Sourced by report.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
apt_packages=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -n "${ANTIDISTILL_DATA:-}" ] \
  || apt_packages+=(dataset-fashion-mnist)
command -v chromium >/dev/null || apt_packages+=(chromium)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    echo "setup: installing ${apt_packages[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: cannot install ${apt_packages[*]} (no apt-get or no root); install them yourself" >&2
  fi
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.requirements-$(sha256sum requirements.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing requirements.txt into .venv (a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  # Editable, without build isolation: the notebooks' kernel imports the package from this checkout.
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  touch "$stamp"
fi

# Fails with a message naming the folders searched and the command that fixes it.
.venv/bin/python -c "from antidistill.data import load_fashion_mnist as f; print('setup: Fashion-MNIST from', f().source)"
