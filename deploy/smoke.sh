#!/usr/bin/env bash
# Smoke test of the Docker image: build it for real, offline, with podman, run it, and
# check it from the outside (health, a real browser, the user it runs as, the health
# check, a clean stop). Made for CI on a clean Debian 12 machine, as root.
#
#   bash deploy/smoke.sh            # from anywhere; exit code 0 = all checks passed
#
# Phases: prerequisites (apt-get what is missing) -> hadolint -> base image (debootstrap
# bookworm, cached in deploy/.build/) -> wheelhouse (pip download, cached) -> podman
# build (--network none) -> run -> checks -> stop -> loopback nginx proxy check.
# Caches kept between runs (git-ignored): deploy/.build/rootfs-bookworm,
# deploy/.build/wheels-*, and the base image localhost/gan-lab-base:bookworm.
# Everything else it creates (container, app image, build context) is removed on exit.
#
# Environment:
#   SMOKE_PYTHON          Python with Playwright (default: .venv/bin/python)
#   SMOKE_EXPECT_SELECTOR CSS selector the page must show besides the stApp root and
#                         the "Dirac-GAN explorer" text (default: '.js-plotly-plot', a
#                         drawn chart; empty for none)
#   SMOKE_SKIP_PROXY=1    skip the loopback nginx phase
#   SMOKE_KEEP_IMAGE=1    keep localhost/gan-lab:smoke after the run
#   SMOKE_CLEAN=1         also drop the caches (rootfs, wheelhouse, base image) first
#   DEBIAN_MIRROR         for debootstrap (default http://deb.debian.org/debian)
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_DIR"

BUILD_DIR=$REPO_DIR/deploy/.build
BASE_IMAGE=localhost/gan-lab-base:bookworm
IMAGE=localhost/gan-lab:smoke
CONTEXT=$BUILD_DIR/context
APP_UID=10001
APP_GID=10001
STOP_TIMEOUT=20
SMOKE_LABEL=org.gan-lab.smoke=1
CTR=gan-lab-smoke-$$
PY=${SMOKE_PYTHON:-$REPO_DIR/.venv/bin/python}
PODMAN=(podman --runtime runc)
# This sandbox forbids raising rlimits (and crun): give runc limits within the current ones.
ULIMITS=(--ulimit nofile=16384:16384 --ulimit nproc=4096:4096)
# The build context is exactly what the Dockerfile COPYs (read from its COPY lines, so
# the two cannot drift apart) plus the wheelhouse.
mapfile -t CONTEXT_FILES < <(
    printf '%s\n' Dockerfile .dockerignore
    awk '$1 == "COPY" && $0 !~ /--from/ { for (i = 2; i < NF; i++) print $i }' Dockerfile |
        grep -v '[][*?]' | sed 's#/$##' | sort -u
)

T_START=$(date +%s%N)
PHASE=""
T_PHASE=0
SUMMARY=()
RESULTS=()
IMAGE_BUILT=0

now_ms() { echo $(($(date +%s%N) / 1000000)); }
fmt_ms() { printf '%d.%01d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }

end_phase() {
    if [[ -n $PHASE ]]; then
        local ms=$(($(now_ms) - T_PHASE))
        SUMMARY+=("$(printf '  %-34s %10s' "$PHASE" "$(fmt_ms "$ms")")")
        printf '<== %s: %s\n' "$PHASE" "$(fmt_ms "$ms")"
        PHASE=""
    fi
}
phase() {
    end_phase
    PHASE=$1
    T_PHASE=$(now_ms)
    printf '\n==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$PHASE"
}
say() { printf '    %s\n' "$*"; }
run() {
    local shown="$*"
    printf '    $ %s\n' "${shown/#quiet_podman/${PODMAN[*]}}"
    "$@"
}
fail() {
    printf 'SMOKE FAIL: %s\n' "$*" >&2
    exit 1
}
# podman has no systemd here for its health-check timers and says so on every run/rm/stop.
quiet_podman() {
    local err rc=0
    err=$(mktemp)
    "${PODMAN[@]}" "$@" 2>"$err" || rc=$?
    grep -v 'unable to get systemd connection' "$err" >&2 || true
    rm -f "$err"
    return "$rc"
}

cleanup() {
    local rc=$?
    set +e
    end_phase
    printf '\n==> cleanup\n'
    if "${PODMAN[@]}" container exists "$CTR" 2>/dev/null; then
        if [[ $rc -ne 0 ]]; then
            echo "--- container log ($CTR)"
            "${PODMAN[@]}" logs "$CTR" 2>&1 | tail -n 40
        fi
        quiet_podman rm -f -t 0 "$CTR" >/dev/null && say "removed container $CTR"
    fi
    if ((IMAGE_BUILT)) && [[ ${SMOKE_KEEP_IMAGE:-0} != 1 ]]; then
        quiet_podman rmi -f "$IMAGE" >/dev/null && say "removed image $IMAGE"
    fi
    rm -rf "$CONTEXT"
    printf '\n==> summary\n'
    printf '%s\n' "${SUMMARY[@]}"
    printf '  %-34s %10s\n' "total" "$(fmt_ms $((($(date +%s%N) - T_START) / 1000000)))"
    if ((${#RESULTS[@]})); then
        printf '%s\n' "${RESULTS[@]}"
    fi
    if [[ $rc -eq 0 ]]; then
        echo "SMOKE OK"
    else
        echo "SMOKE FAILED (exit $rc)" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------
phase "prerequisites"
[[ $EUID -eq 0 ]] || fail "run as root (apt-get, debootstrap, rootful podman)"
missing=()
for pair in podman:podman buildah:buildah debootstrap:debootstrap runc:runc \
    chromium:chromium nginx:nginx iptables:iptables; do
    cmd=${pair%%:*}
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
    say "installing with apt-get: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run apt-get update -qq
    run apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "podman, buildah, debootstrap, runc, chromium, nginx: present"
fi
say "$(podman --version), $(runc --version | head -n 1), $(/usr/bin/chromium --version 2>/dev/null)"
[[ -x $PY ]] || fail "no Python at $PY (set SMOKE_PYTHON, or install requirements-dev.txt in .venv)"
"$PY" -c 'import playwright' 2>/dev/null || fail "$PY has no playwright (requirements-dev.txt)"
# Left over by an earlier run that was killed: only containers with our label.
for old in $("${PODMAN[@]}" ps -a -q --filter "label=$SMOKE_LABEL"); do
    quiet_podman rm -f -t 0 "$old" >/dev/null && say "removed stale smoke container $old"
done
if [[ ${SMOKE_CLEAN:-0} == 1 ]]; then
    say "SMOKE_CLEAN=1: dropping caches"
    rm -rf "$BUILD_DIR"
    quiet_podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------------------------------
phase "lint (hadolint, YAML)"
HADOLINT=$REPO_DIR/.venv/bin/hadolint
if [[ -x $HADOLINT ]]; then
    if out=$("$HADOLINT" Dockerfile 2>&1); then
        say "hadolint Dockerfile: clean (no findings)"
        RESULTS+=("  hadolint: clean")
    else
        echo "$out"
        fail "hadolint Dockerfile reported findings"
    fi
else
    say "SKIP: $HADOLINT not found (pip install -r requirements-dev.txt)"
    RESULTS+=("  hadolint: skipped (not installed)")
fi

# The deployment files parse (compose and Kubernetes can't run here; nginx.conf gets
# `nginx -t` and a live test in the loopback phase).
yaml_py=""
for candidate in "$PY" python3; do
    if "$candidate" -c 'import yaml' 2>/dev/null; then
        yaml_py=$candidate
        break
    fi
done
if [[ -n $yaml_py ]]; then
    "$yaml_py" - <<'EOF' || fail "deploy/compose.yaml or deploy/k8s.yaml does not parse"
import yaml
compose = yaml.safe_load(open("deploy/compose.yaml"))
assert {"app1", "app2", "app3", "proxy"} <= set(compose["services"]), compose["services"]
kinds = [d["kind"] for d in yaml.safe_load_all(open("deploy/k8s.yaml")) if d]
assert {"Deployment", "Service", "Secret", "Ingress"} <= set(kinds), kinds
print(f"    compose.yaml: services {sorted(compose['services'])}; k8s.yaml: {', '.join(kinds)}")
EOF
else
    say "SKIP YAML parse: no Python with PyYAML"
fi

# ---------------------------------------------------------------------------------------
phase "base image (debootstrap)"
run deploy/make_base_image.sh "$BASE_IMAGE"
PY_BASE=$("${PODMAN[@]}" image inspect --format \
    '{{index .Labels "org.gan-lab.python-version"}}' "$BASE_IMAGE")
PY_MM=$(cut -d. -f1-2 <<<"$PY_BASE")
say "base image Python: $PY_BASE"

# ---------------------------------------------------------------------------------------
phase "wheelhouse (pip download)"
abi=cp${PY_MM/./}
WHEELS=$BUILD_DIR/wheels-$abi
req_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
if [[ -f $WHEELS/.requirements.sha256 && $(cat "$WHEELS/.requirements.sha256") == "$req_hash" ]]; then
    say "reusing $WHEELS ($(find "$WHEELS" -name '*.whl' | wc -l) wheels, requirements.txt unchanged)"
else
    rm -rf "$WHEELS" "$WHEELS.tmp"
    # Wheels for the base image's CPython on x86-64 glibc 2.36 (bookworm), whatever the
    # host Python is. pip 23 does not widen --platform to older manylinux tags, so list
    # every tag glibc 2.36 can run.
    platforms=()
    for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_x86_64"); done
    platforms+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64
        --platform manylinux1_x86_64)
    pip_py=$PY
    "$pip_py" -m pip --version >/dev/null 2>&1 || pip_py=python3
    say "$pip_py -m pip download -r requirements.txt --only-binary=:all: --python-version $PY_MM --abi $abi (manylinux x86_64)"
    if ! "$pip_py" -m pip download --disable-pip-version-check -q -r requirements.txt \
        -d "$WHEELS.tmp" --only-binary=:all: --python-version "$PY_MM" \
        --implementation cp --abi "$abi" "${platforms[@]}" >"$BUILD_DIR/pip-download.log" 2>&1
    then
        tail -n 20 "$BUILD_DIR/pip-download.log"
        fail "pip download failed (log: deploy/.build/pip-download.log)"
    fi
    echo "$req_hash" >"$WHEELS.tmp/.requirements.sha256"
    mv "$WHEELS.tmp" "$WHEELS"
fi
# Every pin has exactly its wheel.
"$PY" - "$WHEELS" <<'EOF' || fail "the wheelhouse does not match requirements.txt"
import pathlib, re, sys
norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()
pins = {}
for line in open("requirements.txt"):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        pins[norm(name)] = version
wheels = {}
for w in pathlib.Path(sys.argv[1]).glob("*.whl"):
    name, version = w.name.split("-")[:2]
    wheels[norm(name)] = version
bad = {n: (v, wheels.get(n)) for n, v in pins.items() if wheels.get(n) != v}
extra = set(wheels) - set(pins)
if bad or extra:
    sys.exit(f"pinned vs wheel: {bad}; wheels without a pin: {sorted(extra)}")
print(f"    {len(pins)} pins, {len(wheels)} wheels: all match")
EOF
say "wheelhouse size: $(du -sh "$WHEELS" | cut -f1)"

# ---------------------------------------------------------------------------------------
phase "podman build (offline)"
rm -rf "$CONTEXT"
for f in "${CONTEXT_FILES[@]}"; do
    [[ -e $f ]] || fail "the Dockerfile copies $f, which does not exist"
    mkdir -p "$CONTEXT/$(dirname "$f")"
    cp -a "$f" "$CONTEXT/$f"
done
# Hard links: instant, no copy of ~150 MB (same file system); plain copy otherwise.
cp -al "$WHEELS" "$CONTEXT/wheels" 2>/dev/null || cp -a "$WHEELS" "$CONTEXT/wheels"
rm -f "$CONTEXT/wheels/.requirements.sha256"
say "context $CONTEXT: ${CONTEXT_FILES[*]} wheels/"
IMAGE_BUILT=1
run "${PODMAN[@]}" build --format docker --network none --pull=never --layers=false \
    "${ULIMITS[@]}" --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$CONTEXT" \
    >"$BUILD_DIR/build.log" 2>&1 || {
    tail -n 40 "$BUILD_DIR/build.log"
    fail "podman build failed (log: deploy/.build/build.log)"
}
grep -q 'pip: offline install from the wheelhouse' "$BUILD_DIR/build.log" ||
    fail "the build did not use the wheelhouse"
say "built $IMAGE (offline install from the wheelhouse; log: deploy/.build/build.log)"

# ---------------------------------------------------------------------------------------
phase "image checks"
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
base_size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$BASE_IMAGE")
say "image size: $size bytes ($((size / 1000000)) MB; base image $((base_size / 1000000)) MB)"
RESULTS+=("  image size: $size bytes ($((size / 1000000)) MB), base $((base_size / 1000000)) MB")
user=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
[[ $user == "$APP_UID:$APP_GID" ]] || fail "image USER is '$user', expected $APP_UID:$APP_GID"
say "USER $user"
hc=$("${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
[[ $hc == *'/_stcore/health'* ]] || fail "no HEALTHCHECK on /_stcore/health in the image: $hc"
say "HEALTHCHECK $hc"
# Only the app's files in /app, no caches anywhere they could come from.
listing=$(quiet_podman run --rm "${ULIMITS[@]}" --network none --user 0:0 \
    --entrypoint /bin/sh "$IMAGE" \
    -c 'cd /app && find . -mindepth 1 | sort; echo ---;
        find /root/.cache /tmp/build /home/app/.cache -maxdepth 0 2>/dev/null;
        find /app -name __pycache__; ls /opt/venv/bin | grep -x pip || true')
say "/app: $(sed -n '/^---$/q;p' <<<"$listing" | tr '\n' ' ')"
leftovers=$(sed -n '/^---$/,$p' <<<"$listing" | tail -n +2)
[[ -z $leftovers ]] || fail "left in the image: $leftovers"
if grep -Eq '^\./(tests|bench|deploy|\.git|\.venv|screenshots|wheels)(/|$)' <<<"$listing" ||
    grep -q 'secrets.toml' <<<"$listing"; then
    fail "the image holds files it should not"
fi

# ---------------------------------------------------------------------------------------
phase "run container"
read -r PORT < <("$PY" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Run it as hardened as the Kubernetes manifest does (deploy/k8s.yaml): read-only root
# file system with a tmpfs /tmp, no capabilities, no privilege escalation.
run quiet_podman run -d --name "$CTR" --label "$SMOKE_LABEL" "${ULIMITS[@]}" \
    --read-only --tmpfs /tmp:rw,size=64m --cap-drop=ALL --security-opt=no-new-privileges \
    -e STREAMLIT_SERVER_COOKIE_SECRET="smoke-$RANDOM$RANDOM" \
    --stop-timeout "$STOP_TIMEOUT" -p "127.0.0.1:$PORT:8501" "$IMAGE" >/dev/null
say "container $CTR on 127.0.0.1:$PORT"
URL=http://127.0.0.1:$PORT
"$PY" - "$URL/_stcore/health" "$CTR" <<'EOF' || fail "/_stcore/health never answered ok"
import subprocess, sys, time, urllib.request
url, ctr = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
while True:
    try:
        body = urllib.request.urlopen(url, timeout=2).read()
        if body == b"ok":
            print(f"    /_stcore/health: ok after {time.monotonic() - t0:.1f} s")
            break
    except OSError:
        pass
    state = subprocess.run(["podman", "inspect", "--format", "{{.State.Status}}", ctr],
                           capture_output=True, text=True).stdout.strip()
    if state != "running":
        sys.exit(f"    container is {state!r}")
    if time.monotonic() - t0 > 90:
        sys.exit("    timed out after 90 s")
    time.sleep(0.5)
EOF

# ---------------------------------------------------------------------------------------
phase "checks"
if run quiet_podman healthcheck run "$CTR"; then
    say "podman healthcheck run: healthy"
else
    fail "the image's HEALTHCHECK failed"
fi
say "podman inspect .Config.Healthcheck: $("${PODMAN[@]}" inspect --format '{{json .Config.Healthcheck.Test}}' "$CTR")"
say "podman inspect .State.Health.Status: $("${PODMAN[@]}" inspect --format '{{.State.Health.Status}}' "$CTR")"
uid=$("${PODMAN[@]}" exec "$CTR" id -u)
gid=$("${PODMAN[@]}" exec "$CTR" id -g)
[[ $uid == "$APP_UID" && $gid == "$APP_GID" ]] || fail "exec runs as $uid:$gid"
say "podman exec id: uid=$uid gid=$gid"
status=$("${PODMAN[@]}" exec "$CTR" grep -E '^(Uid|Gid|CapEff|NoNewPrivs):' /proc/1/status)
say "PID 1 /proc/1/status: $(tr -s '\t\n' '  ' <<<"$status")"
grep -Eq "^Uid:\s+$APP_UID\s+$APP_UID\s+$APP_UID\s+$APP_UID$" <<<"$status" ||
    fail "PID 1 does not run as $APP_UID"
top=$(quiet_podman top "$CTR" huser user pid args)
say "podman top: $(tail -n +2 <<<"$top" | tr -s ' ')"
while read -r huser _; do
    [[ $huser == "$APP_UID" ]] || fail "a process in the container runs as host user $huser"
done < <(tail -n +2 <<<"$top")

browser_args=()
# A drawn chart (Plotly adds .js-plotly-plot once it has drawn): the container must serve the
# charts' Plotly build too. The old test looked for st.plotly_chart in the page, which the
# live charts replaced, so it had stopped checking any chart.
selector=${SMOKE_EXPECT_SELECTOR-.js-plotly-plot}
[[ -n $selector ]] && browser_args+=(--expect-selector '[data-testid="stApp"]'
    --expect-selector "$selector")
run "$PY" deploy/browser_check.py "$URL/explorer" --screenshot screenshots/docker-explorer.png \
    "${browser_args[@]}" || fail "the explorer page did not render from the container"

# The server log must be clean: no warnings (e.g. unknown config options), no traceback.
logs=$("${PODMAN[@]}" logs "$CTR" 2>&1)
if grep -Eiq 'traceback|warning|error|not a valid config option' <<<"$logs"; then
    echo "$logs"
    fail "unexpected lines in the server log"
fi
say "server log clean: $(tr '\n' ' ' <<<"$logs" | cut -c1-150)"

# ---------------------------------------------------------------------------------------
phase "stop"
t0=$(now_ms)
stop_rc=0
quiet_podman stop -t "$STOP_TIMEOUT" "$CTR" >/dev/null || stop_rc=$?
stop_ms=$(($(now_ms) - t0))
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$CTR")
say "podman stop -t $STOP_TIMEOUT: rc=$stop_rc in $(fmt_ms "$stop_ms"); container exit code $exit_code"
say "last log line: $("${PODMAN[@]}" logs "$CTR" 2>&1 | tail -n 1)"
RESULTS+=("  stop: podman stop rc=$stop_rc after $(fmt_ms "$stop_ms"), container exit code $exit_code")
[[ $stop_rc -eq 0 ]] || fail "podman stop failed"
[[ $exit_code == 0 || $exit_code == 143 ]] || fail "exit code $exit_code on SIGTERM (137 = killed)"
((stop_ms < STOP_TIMEOUT * 1000)) || fail "stop took the whole timeout (SIGKILL)"

# ---------------------------------------------------------------------------------------
if [[ ${SMOKE_SKIP_PROXY:-0} == 1 ]]; then
    say "SMOKE_SKIP_PROXY=1: skipping the loopback nginx check"
else
    phase "loopback nginx proxy"
    PYTHON=$PY EXPECT_SELECTOR=$selector run deploy/loopback_proxy_check.sh ||
        fail "loopback proxy check failed"
    RESULTS+=("  loopback nginx: page + WebSocket through the proxy, metrics 404, sticky")
fi
end_phase
