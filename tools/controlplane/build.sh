#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd once per version of this module and caches
# them outside the repository. Prints the folder holding the binaries on stdout, and nothing else
# there (the Makefile and src/sandbox/controlplane/binaries.ts read it). A build tells what it does
# on stderr, one line per step with the time it took; go's own output goes to a log file beside the
# cached folder, shown (its path and last lines) when a step fails.
#
#   VAPP_CACHE_DIR   cache root (default: $XDG_CACHE_HOME/vapp-operator or ~/.cache/vapp-operator)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${VAPP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vapp-operator}"
k8s_version="$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$here/go.mod")"
# The key covers everything that decides the binaries: the module files and the etcd wrapper.
key="$(cat "$here/go.mod" "$here/go.sum" "$here/etcd/main.go" | sha256sum | cut -c1-12)"
out="$cache_root/controlplane/$k8s_version-$key"

built() { [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/etcd" ]]; }

if built; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root/controlplane"
# One build at a time per version: a second caller (another test process, make demo in another
# terminal) waits for the first, then finds the binaries in the cache. (flock is in util-linux.)
exec 9>"$out.lock"
if command -v flock >/dev/null && ! flock -n 9; then
  echo "waiting for another build of the sandbox control plane to finish..." >&2
  flock 9
fi
if built; then
  echo "$out"
  exit 0
fi

log="$out.build.log"
: >"$log"
shown_root="$cache_root"
[[ $cache_root == "$HOME"/* ]] && shown_root="~/${cache_root#"$HOME"/}"
echo "building the sandbox control plane (Kubernetes $k8s_version), once; cached in $shown_root" >&2

# step LABEL COMMAND...: runs COMMAND with its output in the log, and reports LABEL and the time taken.
step() {
  local label="$1" started="$SECONDS"
  shift
  printf '  %s ... ' "$label" >&2
  echo "=== $label: $*" >>"$log"
  if "$@" >>"$log" 2>&1; then
    echo "$((SECONDS - started)) s" >&2
  else
    echo "failed after $((SECONDS - started)) s" >&2
    echo "go's output is in $log; its last 30 lines:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

tmp="$out.tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
step 'downloading Go modules' go mod download
step kube-apiserver go build -trimpath -ldflags='-s -w' -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
step kube-controller-manager go build -trimpath -ldflags='-s -w' -o "$tmp/kube-controller-manager" \
  k8s.io/kubernetes/cmd/kube-controller-manager
step etcd go build -trimpath -ldflags='-s -w' -o "$tmp/etcd" ./etcd
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
