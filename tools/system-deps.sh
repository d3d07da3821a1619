#!/usr/bin/env bash
# Installs the Debian packages that some tests need (a real Prometheus, Chromium, tmux...), once:
# a package is installed only when its command is missing. Run by `make test` through
# `make system-deps`; needs root or passwordless sudo on Debian/Ubuntu. Prints nothing when all is there.
#
# Each line of PACKAGES is "<command> <debian package>".
set -euo pipefail
PACKAGES=(
  "tmux tmux"
  "promtool prometheus"
  "chromium chromium"
)

missing=()
for entry in "${PACKAGES[@]}"; do
  read -r cmd pkg <<<"$entry"
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

sudo=()
[[ $(id -u) == 0 ]] || sudo=(sudo -n)
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
