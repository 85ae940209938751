#!/usr/bin/env bash
# End-to-end check of deploy/nginx.conf on loopback: two `streamlit run serve.py`
# processes (the repo's .venv, sharing one cookie secret) behind Debian's nginx started
# by deploy/run_loopback_proxy.sh. Checks the page in headless Chromium through the proxy
# (WebSocket included), /_stcore/metrics -> 404 through the proxy, and sticky routing.
# Everything stays on 127.0.0.1; everything it starts is stopped on exit.
#
#   deploy/loopback_proxy_check.sh        (run from anywhere; needs nginx, chromium, .venv)
#
# Environment: PYTHON (default .venv/bin/python), EXPECT_SELECTOR (a CSS selector the page
# must also show, e.g. ".js-plotly-plot"; default: none beyond the stApp root).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_DIR"
PY=${PYTHON:-$REPO_DIR/.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gan-lab-loopback.XXXXXX")
chmod 755 "$WORK" # nginx workers (nobody, when run as root) write temp files below it
pids=()

log() { printf '[loopback] %s\n' "$*"; }

cleanup() {
    local rc=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ $rc -ne 0 ]]; then
        for f in "$WORK"/streamlit-*.log "$WORK"/nginx/error.log; do
            [[ -f $f ]] && { echo "--- $f"; tail -n 20 "$f"; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r P1 P2 LISTEN < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
')
secret=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')

for port in "$P1" "$P2"; do
    STREAMLIT_SERVER_COOKIE_SECRET=$secret "$REPO_DIR/.venv/bin/streamlit" run serve.py \
        --server.port "$port" --server.address 127.0.0.1 \
        >"$WORK/streamlit-$port.log" 2>&1 &
    pids+=("$!")
    log "streamlit pid $! on 127.0.0.1:$port"
done

"$REPO_DIR/deploy/run_loopback_proxy.sh" --prefix "$WORK/nginx" "$P1" "$P2" "$LISTEN" \
    >"$WORK/proxy.out"
cat "$WORK/proxy.out"
pids+=("$(sed -n 's/^NGINX_PID=//p' "$WORK/proxy.out")")

wait_ok() {
    "$PY" - "$1" <<'EOF'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + 60
while True:
    try:
        if urllib.request.urlopen(url, timeout=2).read() == b"ok":
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"no 'ok' from {url} within 60 s")
    time.sleep(0.3)
EOF
}
wait_ok "http://127.0.0.1:$P1/_stcore/health"
wait_ok "http://127.0.0.1:$P2/_stcore/health"
log "both replicas healthy"

browser_args=()
if [[ -n ${EXPECT_SELECTOR:-} ]]; then
    browser_args+=(--expect-selector '[data-testid="stApp"]' --expect-selector "$EXPECT_SELECTOR")
fi
"$PY" deploy/browser_check.py "http://127.0.0.1:$LISTEN/explorer" \
    --screenshot screenshots/proxy-explorer.png "${browser_args[@]}"
"$PY" deploy/proxy_checks.py "http://127.0.0.1:$LISTEN" "http://127.0.0.1:$P1" \
    "$WORK/nginx/access.log" --expect-upstreams 2

for f in "$WORK"/streamlit-*.log; do
    if grep -Eiq 'traceback|warning|error|not a valid config option' "$f"; then
        log "unexpected lines in $f:"
        cat "$f"
        exit 1
    fi
done
log "OK: page through the proxy, metrics hidden, sticky routing, uploads refused, no framing, per-client limits"
