#!/usr/bin/env bash
# Sets up everything kit needs on a fresh Debian machine: system libraries (apt-get when root,
# otherwise the exact command is printed), then a virtual environment with kit installed.
#   scripts/bootstrap.sh VENV          what `make kit` needs
#   scripts/bootstrap.sh VENV --test   plus what `make test` needs (nginx, chromium + chromedriver, poppler, qpdf,
#                                      and axe-core from tests/package-lock.json via npm ci)
set -euo pipefail
venv=${1:-.venv}
want_test=${2:-}

here=$(dirname "$0")
packages() { grep -v '^\s*#' "$here/$1" | grep -v '^\s*$'; }
mapfile -t runtime_pkgs < <(packages packages-runtime.txt)
mapfile -t test_pkgs < <(packages packages-test.txt)

missing=()
for pkg in "${runtime_pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "$want_test" = "--test" ]; then
  for pkg in "${test_pkgs[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  # npm may come with a nodejs not from Debian (NodeSource bundles it): ask for Debian's only when there is none.
  command -v npm >/dev/null || missing+=(npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing system packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
extras="[render]"  # a plain `pip install kit` is the pull-only install (README)
[ "$want_test" = "--test" ] && extras="[render,test]"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras"
# pip compiles the packages it installs, not an editable kit; where PYTHONDONTWRITEBYTECODE is set (many containers),
# Python then compiled kit's modules in every process (importing what a build imports: 0.38 s instead of 0.25 s).
"$venv/bin/python" -m compileall -q "$here/../kit"
if [ "$want_test" = "--test" ]; then
  # The accessibility tests inject axe-core, pinned by tests/package-lock.json, into Chromium.
  npm ci --prefix "$here/../tests" --no-audit --no-fund --silent
fi
