#!/usr/bin/env bash
# Install the real tracing backends used by the chaostracing integration tests.
#
#   testbed/install.sh [collector|jaeger|zipkin|toxiproxy|all]...    (default: all)
#
# Everything goes into a cache folder keyed by version, and a component that is
# already there is not rebuilt:
#
#   ${CHAOSTRACING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chaostracing}/testbed/
#
# stdout gets one line per requested component, `NAME=PATH` (the binary, or the
# jar for Zipkin). Progress, step timings and build logs go to stderr. The exit
# status is non-zero if any requested component could not be installed.
#
# Only the Go module proxy and Maven Central are needed (no other downloads).
#
# Knobs (environment):
#   CHAOSTRACING_BUILD_JOBS   go build parallelism (-p); default: Go's (= cores)
#   CHAOSTRACING_JAEGER       v2 (default: v2, else the v1 fallback) | v2-only | v1
#   JAEGER_V2_MODULE_VERSION  jaeger module tag of the v2 release to build
#   JAEGER_V2_LABEL           which v2 release that tag is (the cache key)
#   JAEGER_V1_VERSION         Jaeger v1 all-in-one fallback version
#   ZIPKIN_VERSION            io.zipkin:zipkin-server version
#   TOXIPROXY_VERSION         github.com/Shopify/toxiproxy/v2 version (the fault proxy)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${CHAOSTRACING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chaostracing}/testbed"

MANIFEST="$HERE/collector/manifest.yaml"

# Jaeger v2. Its module path has no /v2 suffix, so `go install ...@v2.x.y` is
# invalid; and the module proxy reachable here refuses commit pseudo-versions
# (403), so v2.14.0+ (the first releases whose go.mod has no replace directive)
# cannot be had. The v1.76.0 tag is the v2.13.0 release commit. Its go.mod has
# one replace line, which `go install pkg@version` rejects, so it is built from
# a small wrapper module instead (go get + go build).
JAEGER_V2_MODULE_VERSION="${JAEGER_V2_MODULE_VERSION:-v1.76.0}"
JAEGER_V2_LABEL="${JAEGER_V2_LABEL:-v2.13.0}"
# Newest v1 tag whose go.mod has no replace directive (v1 is end-of-life).
JAEGER_V1_VERSION="${JAEGER_V1_VERSION:-v1.48.0}"
ZIPKIN_VERSION="${ZIPKIN_VERSION:-3.6.1}"
# The module proxy reachable here lists v2.3.0 and v2.5.0 of toxiproxy/v2 only.
TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.5.0}"
MAVEN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.11.0"

log() { printf '[testbed/install] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Run a step with its output in a log file; on failure show the log tail.
#   step LABEL LOGFILE CMD...
step() {
    local label="$1" logfile="$2" t0 rc=0
    shift 2
    t0="$(now)"
    log "$label ..."
    "$@" >"$logfile" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        log "$label FAILED (exit $rc) after $(elapsed "$t0")s; log: $logfile"
        tail -n 60 "$logfile" | sed 's/^/    | /' >&2
        return "$rc"
    fi
    log "$label done in $(elapsed "$t0")s"
}

go_env() {
    # Reproducible, cgo-free, no parent go.work, never switch toolchains.
    export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
    # Offline machines reach the module proxy only: drop a trailing `direct`
    # fallback so a missing module fails with the proxy's answer instead of a
    # slower, noisier VCS attempt.
    local proxy
    proxy="$(go env GOPROXY)"
    case "$proxy" in
        *,direct | *\|direct) export GOPROXY="${proxy%[,|]direct}" ;;
    esac
    if [[ -n "${CHAOSTRACING_BUILD_JOBS:-}" ]]; then
        export GOFLAGS="${GOFLAGS:+$GOFLAGS }-p=$CHAOSTRACING_BUILD_JOBS"
    fi
}

sha_short() { sha256sum "$1" | cut -c1-12; }

# ---------------------------------------------------------------- collector --
install_collector() {
    command -v go >/dev/null || die "collector: 'go' is not on PATH"
    [[ -f "$MANIFEST" ]] || die "collector: missing $MANIFEST"
    local version key dir bin name
    version="$(sed -n 's#^.*go\.opentelemetry\.io/collector/receiver/otlpreceiver[[:space:]]\{1,\}\(v[0-9][^[:space:]]*\).*$#\1#p' "$MANIFEST" | head -n1)"
    [[ "$version" == v* ]] || die "collector: cannot read the otlpreceiver version from $MANIFEST"
    name="$(awk '$1 == "name:" { print $2; exit }' "$MANIFEST")"
    key="$version-$(sha_short "$MANIFEST")"
    dir="$CACHE_ROOT/collector/$key"
    bin="$dir/$name"
    if [[ -x "$bin" ]]; then
        log "collector: cached ($key)"
        echo "collector=$bin"
        return 0
    fi

    go_env
    local t0 builder_dir work
    t0="$(now)"
    builder_dir="$CACHE_ROOT/tools/ocb-$version"
    if [[ ! -x "$builder_dir/builder" ]]; then
        mkdir -p "$builder_dir"
        step "collector: go install builder@$version" "$CACHE_ROOT/tools/ocb-$version.log" \
            env GOBIN="$builder_dir" go install -trimpath -ldflags="-s -w" \
            "go.opentelemetry.io/collector/cmd/builder@$version" || return 1
    else
        log "collector: builder@$version cached"
    fi

    mkdir -p "$CACHE_ROOT/collector"
    work="$(mktemp -d "$CACHE_ROOT/collector/build.XXXXXX")"
    # builder resolves dist.output_path against its working directory.
    step "collector: builder --config manifest.yaml" "$work/builder.log" \
        bash -c 'cd "$1" && "$2" --config "$3" --verbose' _ "$work" "$builder_dir/builder" "$MANIFEST" \
        || { log "collector: build tree kept in $work"; return 1; }
    [[ -x "$work/otelcol-dist/$name" ]] || die "collector: builder produced no $work/otelcol-dist/$name"
    "$work/otelcol-dist/$name" components >"$work/components.txt" 2>&1 || die "collector: the built binary does not run (see $work/components.txt)"
    mkdir -p "$dir"
    cp "$MANIFEST" "$dir/manifest.yaml"
    cp "$work/builder.log" "$dir/builder.log"
    mv "$work/otelcol-dist/$name" "$bin.tmp" && mv "$bin.tmp" "$bin"
    rm -rf "$work"
    log "collector: installed in $(elapsed "$t0")s"
    echo "collector=$bin"
}

# ------------------------------------------------------------------- jaeger --
jaeger_v2() {
    local dir="$CACHE_ROOT/jaeger/$JAEGER_V2_LABEL" work
    if [[ ! -x "$dir/jaeger" ]]; then
        mkdir -p "$dir"
        work="$(mktemp -d "$dir/build.XXXXXX")"
        {
            echo "module example.com/chaostracing/jaeger-testbed"
            echo
            echo "go 1.26"
            echo
            echo "// The one replace line of jaeger's own go.mod: the replace lines of a"
            echo "// dependency are ignored, so the wrapper module repeats it."
            echo "replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0"
        } >"$work/go.mod"
        step "jaeger: go get cmd/jaeger@$JAEGER_V2_MODULE_VERSION ($JAEGER_V2_LABEL)" "$dir/get.log" \
            bash -c 'cd "$1" && go get "github.com/jaegertracing/jaeger/cmd/jaeger@$2"' \
            _ "$work" "$JAEGER_V2_MODULE_VERSION" \
            || { rm -rf "$work"; return 1; }
        step "jaeger: go build cmd/jaeger ($JAEGER_V2_LABEL)" "$dir/build.log" \
            bash -c 'cd "$1" && go build -trimpath -ldflags="-s -w" -o jaeger github.com/jaegertracing/jaeger/cmd/jaeger' \
            _ "$work" \
            || { rm -rf "$work"; return 1; }
        cp "$work/go.mod" "$work/go.sum" "$dir/"
        mv "$work/jaeger" "$dir/jaeger"
        rm -rf "$work"
    fi
    echo "$dir/jaeger"
}

jaeger_v1() {
    local dir="$CACHE_ROOT/jaeger/$JAEGER_V1_VERSION"
    if [[ ! -x "$dir/all-in-one" ]]; then
        mkdir -p "$dir"
        step "jaeger: go install cmd/all-in-one@$JAEGER_V1_VERSION" "$dir/install.log" \
            env GOBIN="$dir" go install -trimpath -ldflags="-s -w" \
            "github.com/jaegertracing/jaeger/cmd/all-in-one@$JAEGER_V1_VERSION" || return 1
    fi
    echo "$dir/all-in-one"
}

install_jaeger() {
    local mode="${CHAOSTRACING_JAEGER:-v2}" bin v2dir v1dir t0
    v2dir="$CACHE_ROOT/jaeger/$JAEGER_V2_LABEL"
    v1dir="$CACHE_ROOT/jaeger/$JAEGER_V1_VERSION"
    case "$mode" in
        v2 | v2-only | v1) ;;
        *) die "jaeger: CHAOSTRACING_JAEGER must be v2, v2-only or v1, not '$mode'" ;;
    esac
    # Fast paths: what an earlier run installed.
    if [[ "$mode" != v1 && -x "$v2dir/jaeger" ]]; then
        log "jaeger: cached ($JAEGER_V2_LABEL)"; echo "jaeger=$v2dir/jaeger"; return 0
    fi
    if [[ "$mode" == v1 || ("$mode" == v2 && -f "$v2dir/FAILED") ]] && [[ -x "$v1dir/all-in-one" ]]; then
        [[ "$mode" == v2 ]] && log "jaeger: $JAEGER_V2_LABEL failed before (delete $v2dir/FAILED to retry)"
        log "jaeger: cached ($JAEGER_V1_VERSION all-in-one)"; echo "jaeger=$v1dir/all-in-one"; return 0
    fi
    command -v go >/dev/null || die "jaeger: 'go' is not on PATH"
    go_env
    t0="$(now)"
    if [[ "$mode" != v1 ]]; then
        if bin="$(jaeger_v2)"; then
            rm -f "$v2dir/FAILED"
            log "jaeger: installed in $(elapsed "$t0")s"; echo "jaeger=$bin"; return 0
        fi
        date -u +%FT%TZ >"$v2dir/FAILED"
        [[ "$mode" == v2-only ]] && return 1
        log "jaeger: $JAEGER_V2_LABEL failed; falling back to $JAEGER_V1_VERSION all-in-one"
    fi
    if bin="$(jaeger_v1)"; then
        log "jaeger: installed in $(elapsed "$t0")s"; echo "jaeger=$bin"; return 0
    fi
    return 1
}

# ------------------------------------------------------------------- zipkin --
install_zipkin() {
    local dir="$CACHE_ROOT/zipkin/$ZIPKIN_VERSION" jar t0 tmp
    jar="$dir/zipkin-server-$ZIPKIN_VERSION-exec.jar"
    if [[ -s "$jar" ]]; then
        log "zipkin: cached ($ZIPKIN_VERSION)"; echo "zipkin=$jar"; return 0
    fi
    command -v mvn >/dev/null || die "zipkin: 'mvn' is not on PATH"
    command -v java >/dev/null || die "zipkin: 'java' is not on PATH"
    mkdir -p "$dir"
    tmp="$(mktemp -d "$dir/fetch.XXXXXX")"
    t0="$(now)"
    # Run outside any Maven project so no pom.xml is picked up.
    step "zipkin: mvn dependency:copy io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" "$dir/install.log" \
        bash -c 'cd "$1" && mvn -B -q "$2:copy" -Dartifact="$3" -DoutputDirectory="$1" -Dmdep.useBaseVersion=true' \
        _ "$tmp" "$MAVEN_DEPENDENCY_PLUGIN" "io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
        || { rm -rf "$tmp"; return 1; }
    [[ -s "$tmp/zipkin-server-$ZIPKIN_VERSION-exec.jar" ]] || { rm -rf "$tmp"; die "zipkin: jar missing after mvn"; }
    mv "$tmp/zipkin-server-$ZIPKIN_VERSION-exec.jar" "$jar"
    rm -rf "$tmp"
    log "zipkin: installed in $(elapsed "$t0")s"
    echo "zipkin=$jar"
}

# ---------------------------------------------------------------- toxiproxy --
# A TCP fault proxy (latency, timeouts, cut connections) put between the exporter and a
# backend by the delivery fault tests.
install_toxiproxy() {
    local dir="$CACHE_ROOT/toxiproxy/$TOXIPROXY_VERSION" t0
    if [[ -x "$dir/toxiproxy-server" ]]; then
        log "toxiproxy: cached ($TOXIPROXY_VERSION)"; echo "toxiproxy=$dir/toxiproxy-server"; return 0
    fi
    command -v go >/dev/null || die "toxiproxy: 'go' is not on PATH"
    go_env
    mkdir -p "$dir"
    t0="$(now)"
    step "toxiproxy: go install cmd/server@$TOXIPROXY_VERSION" "$dir/install.log" \
        env GOBIN="$dir" go install -trimpath -ldflags="-s -w" \
        "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" || return 1
    mv "$dir/server" "$dir/toxiproxy-server"
    log "toxiproxy: installed in $(elapsed "$t0")s"
    echo "toxiproxy=$dir/toxiproxy-server"
}

# --------------------------------------------------------------------- main --
main() {
    local targets=("$@") t rc=0
    [[ ${#targets[@]} -eq 0 ]] && targets=(all)
    local expanded=()
    for t in "${targets[@]}"; do
        case "$t" in
            all) expanded+=(zipkin collector jaeger toxiproxy) ;;
            collector | jaeger | zipkin | toxiproxy) expanded+=("$t") ;;
            -h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) die "unknown component '$t' (want collector, jaeger, zipkin, toxiproxy or all)" ;;
        esac
    done
    mkdir -p "$CACHE_ROOT"
    for t in "${expanded[@]}"; do
        # Each component in a subshell: a failure (or die) in one does not stop
        # the others, and the exit status reports it. One installer at a time
        # per component and cache (parallel test workers may all call us).
        (
            exec 9>"$CACHE_ROOT/.install-$t.lock"
            flock 9
            "install_$t"
        ) || { rc=1; log "$t: NOT installed"; }
    done
    return "$rc"
}

main "$@"
