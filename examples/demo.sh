#!/usr/bin/env bash
# `make demo`: imagekit's main job on the embedded defaults, start to end.
#
#   1. lint the example Dockerfiles, and show the fixes for one as a diff;
#   2. build the roots (busybox, Debian, the runtime root) without Docker Hub, the shared
#      bases of baseimages/ and the example Go service, and push them all;
#   3. build an example image as a team first writes it, inspect its waste, push it;
#      fix it with `imagekit lint --fix`, build it through the CI step (lint gate, build,
#      inspect gate, push) and print the size report with its delta;
#   4. show the size trend, the registry's storage, and start the registry browser.
#
# The registry is the embedded S3-backed one on its defaults (`imagekit registry up`:
# 127.0.0.1:5000, data in ~/.local/share/imagekit/registry or IMAGEKIT_REGISTRY_DIR),
# started here when it is not running and left running with the registry browser;
# `make demo-down` stops both. Findings and crossed limits (exit 1) are part of the show;
# any exit code above 1 stops the demo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${BIN:-$ROOT/.venv/bin}"
WORK="${IMAGEKIT_DEMO_DIR:-$ROOT/.demo}"
UI_LISTEN="${IMAGEKIT_UI_LISTEN:-127.0.0.1:8080}"
DEMO_IMAGE=imagekit-demo/busybox-cleanup:latest

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# Run an imagekit command; exit 0 and 1 (findings, limits) carry on, anything else stops.
ik() {
    say "imagekit $*"
    local status=0
    "$BIN/imagekit" "$@" || status=$?
    if ((status > 1)); then
        printf 'demo: imagekit %s exited with %d\n' "$*" "$status" >&2
        exit "$status"
    fi
    if ((status == 1)); then
        printf '(exit 1: a finding or a limit, as intended here)\n'
    fi
}

mkdir -p "$WORK"

say "imagekit registry up"
REGISTRY="$("$BIN/imagekit" registry up)"
echo "$REGISTRY"

# 1. Lint.
ik lint examples/
ik lint --diff examples/python-service/Dockerfile

# 2. Roots, bases and a Go service, all pushed to the embedded registry. Docker Hub is not
# needed: the roots go into the engine under the names the examples build FROM (busybox,
# and debian:bookworm-slim as Debian publishes it: minbase, no CA bundle).
# (sed reads all of busybox's output: `head` would close the pipe early, and busybox's
# SIGPIPE would end the script under pipefail)
busybox_version="$(busybox 2>&1 | sed -nE '1s/^BusyBox v([0-9]+\.[0-9]+).*/\1/p')"
ik build root busybox --output docker-daemon:busybox:latest \
    --output "docker-daemon:busybox:$busybox_version" --push "$REGISTRY/roots/busybox:latest"
ik build root debian --variant minbase --no-ca-certificates \
    --output docker-daemon:debian:bookworm-slim
ik build root debian --push "$REGISTRY/roots/debian:bookworm"
ik build root runtime --push "$REGISTRY/roots/runtime:latest"
ik build base --push "$REGISTRY/bases"
ik build go examples/go-service --push "$REGISTRY/demo/go-service:latest"

# 3. An image as it is first written: inspect its waste and push it. The CI step refuses
# to build it (its lint gate), so it is built with the engine's own builder here.
say "docker build -t $DEMO_IMAGE examples/busybox-cleanup"
"$BIN/python" - "$DEMO_IMAGE" <<'EOF'
import sys, docker
client = docker.from_env()
client.images.build(path="examples/busybox-cleanup", tag=sys.argv[1], network_mode="host", rm=True)
print(f"built {sys.argv[1]}")
EOF
ik inspect --isolated --max-wasted-percent 10 "$DEMO_IMAGE"
ik push "$DEMO_IMAGE" "$REGISTRY/demo/busybox-cleanup:latest"

# The fixed version: the safe fixes, and a pinned base tag (IK402 has no automatic fix).
rm -rf "$WORK/busybox-cleanup"
cp -r examples/busybox-cleanup "$WORK/busybox-cleanup"
sed -i "s/^FROM busybox$/FROM busybox:$busybox_version/" "$WORK/busybox-cleanup/Dockerfile"
ik lint --fix "$WORK/busybox-cleanup/Dockerfile"
ik build dockerfile "$WORK/busybox-cleanup" --tag "$DEMO_IMAGE" \
    --push "$REGISTRY/demo/busybox-cleanup:latest" --report "$WORK/size-report"
say "cat $WORK/size-report.md"
cat "$WORK/size-report.md"

# 4. The trend, the storage, the browser.
ik report history "$REGISTRY/demo/busybox-cleanup"
ik registry usage "$REGISTRY"

if "$BIN/python" -c "import starlette, uvicorn, jinja2" 2>/dev/null; then
    say "imagekit registry ui --registry $REGISTRY --listen $UI_LISTEN --allow-delete"
    if [[ -s "$WORK/ui.pid" ]] && kill -0 "$(cat "$WORK/ui.pid")" 2>/dev/null; then
        echo "the registry browser already runs (pid $(cat "$WORK/ui.pid"))"
    else
        setsid "$BIN/imagekit" registry ui --registry "$REGISTRY" --listen "$UI_LISTEN" \
            --allow-delete </dev/null >"$WORK/ui.address" 2>"$WORK/ui.log" &
        echo $! >"$WORK/ui.pid"
        for _ in $(seq 50); do
            [[ -s "$WORK/ui.address" ]] && break
            sleep 0.2
        done
    fi
    echo "registry browser: http://$UI_LISTEN/ (log: $WORK/ui.log; stop it with: make demo-down)"
fi
