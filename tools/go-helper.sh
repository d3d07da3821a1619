#!/usr/bin/env bash
# Builds a Go helper of the tests, tools/NAME (its own Go module), once per version of its sources,
# and caches the binary outside the repository. Prints the binary's path.
#
#   bash tools/go-helper.sh argocd-lua|kstatus
#   VAPP_CACHE_DIR   cache root (default: $XDG_CACHE_HOME/vapp-operator or ~/.cache/vapp-operator)
set -euo pipefail
name="${1:?usage: go-helper.sh NAME (a folder of tools/ with a go.mod)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$name"
[[ -f "$here/go.mod" ]] || { echo "go-helper.sh: $here/go.mod not found" >&2; exit 2; }
cache_root="${VAPP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vapp-operator}"
# The key covers everything that decides the binary: the module files and the sources.
key="$(cd "$here" && cat go.mod go.sum $(find . -name '*.go' | LC_ALL=C sort) | sha256sum | cut -c1-12)"
out="$cache_root/$name/$key/$name"

if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi

echo "building tools/$name (once; cached in $(dirname "$out"))..." >&2
start=$SECONDS
tmp="$out.tmp.$$"
mkdir -p "$(dirname "$out")"
trap 'rm -f "$tmp"' EXIT
cd "$here"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$tmp" .
mv "$tmp" "$out"
trap - EXIT
echo "built tools/$name in $((SECONDS - start)) s" >&2
echo "$out"
