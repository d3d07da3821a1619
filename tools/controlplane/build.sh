#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd once per version of this module and caches
# them outside the repository. Prints the folder holding the binaries.
#
#   VAPP_CACHE_DIR   cache root (default: $XDG_CACHE_HOME/vapp-operator or ~/.cache/vapp-operator)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${VAPP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vapp-operator}"
k8s_version="$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$here/go.mod")"
# The key covers everything that decides the binaries: the module files and the etcd wrapper.
key="$(cat "$here/go.mod" "$here/go.sum" "$here/etcd/main.go" | sha256sum | cut -c1-12)"
out="$cache_root/controlplane/$k8s_version-$key"

if [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/etcd" ]]; then
  echo "$out"
  exit 0
fi

echo "building the sandbox control plane (Kubernetes $k8s_version); the first build takes a while..." >&2
tmp="$out.tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
go build -trimpath -ldflags='-s -w' -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -trimpath -ldflags='-s -w' -o "$tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
go build -trimpath -ldflags='-s -w' -o "$tmp/etcd" ./etcd
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
