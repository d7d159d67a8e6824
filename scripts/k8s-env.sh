#!/usr/bin/env bash
# Builds the Kubernetes control plane the k8s tests run (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok) from the Go module proxy: once per version set, into a cache folder outside the repo.
#
#   scripts/k8s-env.sh build              build what is missing, then print the bin folder on stdout
#   scripts/k8s-env.sh bin-dir            print the bin folder (builds nothing)
#   scripts/k8s-env.sh pin KUBE ETCD      regenerate tools/k8s/kube and tools/k8s/etcd (go.mod, go.sum) for new
#                                         versions, e.g. `pin 1.37.2 v3.6.16`; commit the result
#
# The versions live in tools/k8s/{kube,etcd}/go.mod (kwok's below); the cache folder is
# ${VAMP_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vamp-k8s}/<versions>/bin. Progress and errors go to stderr.
# This is a shell script, not Python, because all it does is run `go` with the right flags: it needs no venv,
# so CI and developers can run it before anything else is installed.
set -euo pipefail

KWOK_VERSION=v0.8.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KUBE_MODULE=$ROOT/tools/k8s/kube
ETCD_MODULE=$ROOT/tools/k8s/etcd
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler)

say() { printf 'k8s-env: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }

# required_version MODULE_DIR MODULE: the version MODULE_DIR/go.mod requires of MODULE.
required_version() {
    local version
    version=$(cd "$1" && go mod edit -json | python3 -c '
import json, sys
print(*(r["Version"] for r in json.load(sys.stdin).get("Require", []) if r["Path"] == sys.argv[1]))' "$2")
    [[ -n $version ]] || fail "$1/go.mod requires no $2; regenerate it with: scripts/k8s-env.sh pin KUBE ETCD"
    printf '%s\n' "$version"
}

# read_versions: set KUBE_VERSION and ETCD_VERSION from the wrapper modules.
read_versions() {
    KUBE_VERSION=$(required_version "$KUBE_MODULE" k8s.io/kubernetes)
    ETCD_VERSION=$(required_version "$ETCD_MODULE" go.etcd.io/etcd/server/v3)
}

bin_dir() {
    printf '%s/kube-%s_etcd-%s_kwok-%s/bin\n' "${VAMP_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vamp-k8s}" \
        "$KUBE_VERSION" "$ETCD_VERSION" "$KWOK_VERSION"
}

# step NAME COMMAND...: run COMMAND with progress on stderr; stop the script, naming NAME, if it fails.
step() {
    local name=$1 started=$SECONDS
    shift
    say "building $name ..."
    "$@" || fail "building $name failed after $((SECONDS - started)) s (the go output above says why)"
    say "built $name in $((SECONDS - started)) s"
}

kube_ldflags() {
    local minor date flags="-s -w" package
    minor=$(cut -d. -f2 <<<"$KUBE_VERSION")
    date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags+=" -X $package.gitVersion=$KUBE_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
        flags+=" -X $package.gitTreeState=clean -X $package.buildDate=$date"
    done
    printf '%s' "$flags"
}

build_kube() {
    local command packages=()
    for command in "${KUBE_COMMANDS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$command"); done
    # One invocation for the three commands, so the packages they share compile once.
    (cd "$KUBE_MODULE" && CGO_ENABLED=0 go build -trimpath -tags=selinux,notest,grpcnotrace \
        -ldflags "$(kube_ldflags)" -o "$1/" "${packages[@]}")
}

build_etcd() {
    (cd "$ETCD_MODULE" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
    (cd "$1" && GOBIN=$1 CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
        "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
}

# missing FOLDER NAME...: whether any of the programs NAME... is not in FOLDER yet.
missing() {
    local folder=$1 name
    shift
    for name in "$@"; do [[ -x $folder/$name ]] || return 0; done
    return 1
}

build() {
    command -v go >/dev/null || fail "go is not on PATH; install Go (see tools/k8s/kube/go.mod for the version)"
    local bin started=$SECONDS
    read_versions
    bin=$(bin_dir)
    mkdir -p "$bin"
    exec 9>"$bin/../build.lock"
    flock 9 # another build of the same versions finishes first; this one then finds its binaries
    # Each step builds into a scratch folder and moves its binaries in only once all of them are built.
    scratch=$(mktemp -d "$bin/../scratch.XXXXXX")
    trap 'rm -rf -- "$scratch"' EXIT # $scratch is global: the trap runs after build() has returned
    if missing "$bin" "${KUBE_COMMANDS[@]}"; then
        step "${KUBE_COMMANDS[*]} (k8s.io/kubernetes $KUBE_VERSION)" build_kube "$scratch"
        mv "${KUBE_COMMANDS[@]/#/$scratch/}" "$bin/"
    fi
    if missing "$bin" etcd; then
        step "etcd ($ETCD_VERSION)" build_etcd "$scratch"
        mv "$scratch/etcd" "$bin/"
    fi
    if missing "$bin" kwok; then
        step "kwok ($KWOK_VERSION)" build_kwok "$scratch"
        mv "$scratch/kwok" "$bin/"
    fi
    say "binaries ready in $bin ($((SECONDS - started)) s)"
    printf '%s\n' "$bin"
}

# go_mod_of MODULE@VERSION: the path of that module's go.mod in the module cache (downloads it if needed).
go_mod_of() {
    (cd / && go mod download -json "$1") | python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])'
}

pin_kube() {
    local kube=${1#v} upstream module tools=() command
    cd "$KUBE_MODULE"
    rm -f go.mod go.sum
    upstream=$(go_mod_of "k8s.io/kubernetes@v$kube")
    go mod init vamp.local/tools/k8s/kube
    go mod edit -go=1.26.0
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them to ./staging; a dependency's
    # replaces do not apply to us, so each staging module is replaced by its published v0.<minor>.<patch>.
    printf '\nreplace (\n' >>go.mod
    sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$upstream" | while read -r module; do
        printf '\t%s => %s v0.%s\n' "$module" "$module" "${kube#1.}" >>go.mod
    done
    printf ')\n' >>go.mod
    grep -q '=> k8s.io/api ' go.mod || fail "found no staging modules in $upstream"
    for command in "${KUBE_COMMANDS[@]}"; do tools+=("k8s.io/kubernetes/cmd/$command@v$kube"); done
    go get -tool "${tools[@]}"
    go mod tidy
}

pin_etcd() {
    cd "$ETCD_MODULE"
    rm -f go.mod go.sum
    go mod init vamp.local/tools/k8s/etcd
    go mod edit -go=1.26.0
    go get -tool "go.etcd.io/etcd/server/v3@$1"
    go mod tidy
}

case "${1:-}" in
build) build ;;
bin-dir) read_versions && bin_dir ;;
pin)
    [[ $# -eq 3 ]] || fail "usage: scripts/k8s-env.sh pin KUBE ETCD   (e.g. pin 1.37.2 v3.6.16)"
    (pin_kube "$2")
    (pin_etcd "$3")
    ;;
*) fail "usage: scripts/k8s-env.sh build | bin-dir | pin KUBE ETCD" ;;
esac
