#!/usr/bin/env bash
# Run Debian's nginx on loopback in front of Streamlit processes on 127.0.0.1, with the
# very settings of deploy/nginx.conf (sticky routing cookie, WebSocket upgrade, long
# timeouts, /_stcore/metrics -> 404). Only the upstream servers, the listen address and
# the file paths differ: they are rewritten into a copy under a private prefix.
#
#   deploy/run_loopback_proxy.sh [--foreground] [--prefix DIR] PORT1 PORT2 [PORT...] LISTEN
#
# Background (default): prints the nginx master PID and the prefix, returns once the
# proxy listens. Stop it with `kill <PID>` (the PID is also in <prefix>/nginx.pid).
# --foreground: nginx stays in the foreground (Ctrl-C / SIGTERM stops it).
# The access log (<prefix>/access.log) names the upstream of every request.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC_CONF=$REPO_DIR/deploy/nginx.conf
NGINX=${NGINX:-nginx}
foreground=0
prefix=

usage() {
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [[ $# -gt 0 ]]; do
    case $1 in
    --foreground) foreground=1; shift ;;
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    -h | --help) usage ;;
    --*) echo "run_loopback_proxy.sh: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
[[ $# -ge 3 ]] || usage
ports=("$@")
listen=${ports[-1]}
unset 'ports[-1]'
for p in "${ports[@]}" "$listen"; do
    if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
        echo "run_loopback_proxy.sh: not a port: $p" >&2
        exit 2
    fi
done
command -v "$NGINX" >/dev/null || [[ -x /usr/sbin/nginx ]] || {
    echo "run_loopback_proxy.sh: nginx not found (apt-get install nginx)" >&2
    exit 1
}
command -v "$NGINX" >/dev/null || NGINX=/usr/sbin/nginx

if [[ -z $prefix ]]; then
    prefix=$(mktemp -d "${TMPDIR:-/tmp}/gan-lab-nginx.XXXXXX")
fi
mkdir -p "$prefix"/tmp/{body,proxy,fastcgi,uwsgi,scgi}
prefix=$(cd "$prefix" && pwd)

servers=""
for p in "${ports[@]}"; do
    servers+="        server 127.0.0.1:$p max_fails=3 fail_timeout=10s;"$'\n'
done

# Rewrite the copy: upstream servers between the BEGIN/END markers, the listen line,
# the access log, and temp paths inside the prefix (Debian's defaults are under
# /var/lib/nginx, which only root may write).
awk -v servers="$servers" -v listen="$listen" -v prefix="$prefix" '
    /# BEGIN upstream servers/ { print; printf "%s", servers; skip = 1; next }
    /# END upstream servers/   { skip = 0 }
    skip { next }
    /# LISTEN/ { sub(/listen [^;]*;/, "listen 127.0.0.1:" listen ";") }
    /^[[:space:]]*access_log / { sub(/access_log [^ ]+/, "access_log " prefix "/access.log") }
    { print }
    /^http \{/ {
        print "    client_body_temp_path " prefix "/tmp/body;"
        print "    proxy_temp_path " prefix "/tmp/proxy;"
        print "    fastcgi_temp_path " prefix "/tmp/fastcgi;"
        print "    uwsgi_temp_path " prefix "/tmp/uwsgi;"
        print "    scgi_temp_path " prefix "/tmp/scgi;"
    }
' "$SRC_CONF" >"$prefix/nginx.conf"

globals="daemon off; pid $prefix/nginx.pid;"
if [[ $EUID -eq 0 ]]; then
    # nginx started by root runs its workers as an unprivileged user; they must be able
    # to reach and write the temp directories.
    worker_user=nobody
    worker_group=$(id -gn nobody 2>/dev/null || echo nogroup)
    globals+=" user $worker_user $worker_group;"
    chmod 755 "$prefix"
    chown -R "$worker_user:$worker_group" "$prefix/tmp"
    if ! runuser -u "$worker_user" -- test -w "$prefix/tmp/proxy"; then
        echo "run_loopback_proxy.sh: nginx workers ($worker_user) cannot write" \
            "$prefix/tmp; make every directory above it world-searchable (chmod o+x)" >&2
        exit 1
    fi
fi
# A 1-worker proxy is plenty for a loopback test.
globals+=" worker_processes 1;"
sed -i 's/^worker_processes .*;/# worker_processes: set with -g by run_loopback_proxy.sh/' \
    "$prefix/nginx.conf"

args=(-p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" -g "$globals")
"$NGINX" -t -q "${args[@]}"
echo "run_loopback_proxy.sh: nginx on 127.0.0.1:$listen -> ${ports[*]/#/127.0.0.1:} (prefix $prefix)"

if ((foreground)); then
    exec "$NGINX" "${args[@]}"
fi

"$NGINX" "${args[@]}" </dev/null >>"$prefix/nginx.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "run_loopback_proxy.sh: nginx exited at start:" >&2
        cat "$prefix/error.log" "$prefix/nginx.out" >&2 2>/dev/null || true
        exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null; then
        echo "run_loopback_proxy.sh: nginx pid $pid listening; stop with: kill $pid"
        echo "NGINX_PID=$pid"
        echo "NGINX_PREFIX=$prefix"
        exit 0
    fi
    sleep 0.1
done
echo "run_loopback_proxy.sh: nginx did not listen on 127.0.0.1:$listen within 10 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
