#!/usr/bin/env bash
# Builds the local cluster's binaries, or finds them already built.
#
#   test/cluster/build.sh            build if needed, print the binary folder
#
# Output: progress on stderr; on stdout, one line: the folder holding
#   kubedesk-cluster   the multi-call binary (etcd, kube-apiserver,
#                      kube-scheduler, kube-controller-manager, kubectl,
#                      up/down/status/supervise/podrunner)
#   kubectl            a symlink to it, so `DIR/kubectl` is a matching kubectl
#   kwok               KWOK, from `go install sigs.k8s.io/kwok/cmd/kwok@VERSION`
#   kwok-stages/       KWOK's default node and pod stages (from its module)
#   kwok-crds/         KWOK's Exec and Logs CRDs (from its module)
#   build.json         what was built, from what, and how long it took
#
# The folder is ~/.cache/kubedesk/cluster/<k8s>-<kwok>-<hash>/ where the hash
# covers every input of the build (go.mod, go.sum, *.go, versions.env and this
# script), so a changed input builds again and an unchanged one returns at once.
# KUBEDESK_CACHE_DIR moves ~/.cache/kubedesk elsewhere.
#
# On a fresh machine this downloads the modules from the Go module proxy and
# compiles about 3,700 packages: about ten minutes on 2 cores. The Go build
# cache (~/.cache/go-build) makes a rebuild after a small change a matter of
# relinking (about 20 seconds).
set -euo pipefail

# The whole script is one brace group, which bash reads completely before it
# runs any of it: editing this file during a build cannot derail that build.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN=local
# Builds must not rewrite go.mod or go.sum behind the developer's back, and
# must not depend on git (a fresh clone may belong to another user).
export GOFLAGS="-mod=readonly -buildvcs=false"

cache_root="${KUBEDESK_CACHE_DIR:-$HOME/.cache/kubedesk}/cluster"

log() { printf 'build: %s\n' "$*" >&2; }
fail() {
  printf 'build: error: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null || fail "go is not on PATH (Go ${KUBERNETES_VERSION} needs Go 1.26 or newer)"
command -v flock >/dev/null || fail "flock is not on PATH (Debian package util-linux)"

input_hash=$(cd "$here" && cat go.mod go.sum versions.env build.sh $(LC_ALL=C ls ./*.go) | sha256sum | cut -c1-12)
target="$cache_root/${KUBERNETES_VERSION}-${KWOK_VERSION}-${input_hash}"

is_complete() { [[ -f "$1/build.json" && -x "$1/kubedesk-cluster" && -x "$1/kwok" && -d "$1/kwok-crds" ]]; }

if is_complete "$target"; then
  echo "$target"
  exit 0
fi

mkdir -p "$cache_root"
# One build at a time: a test run and a benchmark started together must not
# compile the same thing twice or see half a folder.
exec {lock_fd}>"$cache_root/.build.lock"
if ! flock -n "$lock_fd"; then
  log "another build is running; waiting for it"
  flock "$lock_fd"
fi
if is_complete "$target"; then
  echo "$target"
  exit 0
fi

partial="$target.partial"
rm -rf "$partial"
mkdir -p "$partial"
started=$(date +%s)

# run_with_progress LABEL TOTAL COMMAND...: runs a `go build -v`-style command
# and prints, every few seconds, how many of TOTAL packages it has compiled.
# `-v` names each package as it is compiled; cached packages are not named, so
# a warm build can finish well below 100%.
run_with_progress() {
  local label=$1 total=$2
  shift 2
  local output="$partial/$label.log"
  : >"$output"
  "$@" >"$output" 2>&1 &
  local pid=$!
  local last_report=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    local now
    now=$(date +%s)
    if ((now - last_report >= 5)); then
      last_report=$now
      local done_count
      done_count=$(grep -c -v -e '^go: ' -e '^#' "$output" || true)
      log "$(printf '%s: %d/%d packages (%d%%), %ds' "$label" "$done_count" "$total" $((done_count * 100 / (total > 0 ? total : 1))) $((now - started)))"
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$output" >&2
    fail "$label failed; full log in $output"
  fi
}

log "inputs hash ${input_hash}: building Kubernetes ${KUBERNETES_VERSION} and KWOK ${KWOK_VERSION} into $target"

log "downloading modules (Go module proxy; quick when already in $(go env GOMODCACHE))"
(cd "$here" && go mod download) || fail "go mod download failed in $here"
go mod download "sigs.k8s.io/kwok@${KWOK_VERSION}" || fail "could not download sigs.k8s.io/kwok@${KWOK_VERSION}"

# KWOK is built from its own module with its own go.mod, exactly as
# `go install` does; its dependencies are downloaded on the way.
kwok_source=$(go mod download -json "sigs.k8s.io/kwok@${KWOK_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
kwok_total=$( (cd "$kwok_source" && go list -deps ./cmd/kwok 2>/dev/null) | wc -l || echo 0)
run_with_progress kwok "$kwok_total" \
  env GOBIN="$partial" GOFLAGS= go install -v \
  -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
  "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"

# KWOK's own stage and CRD files, from the same module version as the binary:
# `up` writes the stages into KWOK's configuration and installs the CRDs.
mkdir -p "$partial/kwok-stages" "$partial/kwok-crds"
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  cp "$kwok_source/kustomize/stage/$stage.yaml" "$partial/kwok-stages/"
done
for crd in execs logs; do
  cp "$kwok_source/kustomize/crd/bases/kwok.x-k8s.io_$crd.yaml" "$partial/kwok-crds/"
done
chmod -R u+w "$partial/kwok-stages" "$partial/kwok-crds" # the module cache is read-only

# Stamp the version the way Kubernetes' hack/lib/version.sh does, so
# `kubectl version` and the API server's /version report the real release.
major=${KUBERNETES_VERSION#v}
major=${major%%.*}
minor=${KUBERNETES_VERSION#v*.}
minor=${minor%%.*}
ldflags="-s -w"
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $package.gitVersion=${KUBERNETES_VERSION}"
  ldflags+=" -X $package.gitMajor=${major} -X $package.gitMinor=${minor}"
  ldflags+=" -X $package.gitTreeState=clean"
  ldflags+=" -X $package.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
ldflags+=" -X main.kubernetesVersion=${KUBERNETES_VERSION} -X main.kwokVersion=${KWOK_VERSION}"

cluster_total=$( (cd "$here" && go list -deps .) | wc -l)
run_with_progress kubedesk-cluster "$cluster_total" \
  bash -c 'cd "$1" && shift && exec go build -v "$@"' _ "$here" \
  -ldflags "$ldflags" -o "$partial/kubedesk-cluster" .

ln -s kubedesk-cluster "$partial/kubectl"
"$partial/kubedesk-cluster" kubectl version --client >/dev/null || fail "the built kubectl does not run"

finished=$(date +%s)
cat >"$partial/build.json" <<EOF
{
  "kubernetes_version": "${KUBERNETES_VERSION}",
  "kwok_version": "${KWOK_VERSION}",
  "inputs_hash": "${input_hash}",
  "go_version": "$(go env GOVERSION)",
  "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "build_seconds": $((finished - started)),
  "compiled_packages": $(cat "$partial"/*.log | grep -c -v -e '^go: ' -e '^#' || true),
  "total_packages": $((kwok_total + cluster_total))
}
EOF
# A build that compiled most packages ran with an empty Go build cache (a cold
# one compiles ~90%: KWOK and the cluster share the standard library and more;
# a warm one a handful): keep its record as the cold-build figure that
# `npm run bench:cluster` reports.
compiled=$(sed -n 's/^  "compiled_packages": \([0-9]*\),$/\1/p' "$partial/build.json")
if ((compiled * 4 >= (kwok_total + cluster_total) * 3)); then
  cp "$partial/build.json" "$cache_root/cold-build.json"
fi
rm -rf "$target"
mv "$partial" "$target"
# Each build folder holds ~250 MB; keep the three newest (the Go build cache
# makes rebuilding an older one a matter of linking).
while IFS= read -r old; do
  [[ "$old" == "$target" ]] || rm -rf "$old"
done < <(ls -1dt "$cache_root"/v*-v*-*/ 2>/dev/null | sed 's:/$::' | grep -v '\.partial$' | tail -n +4)
log "done in $((finished - started))s"
echo "$target"
exit 0
}
