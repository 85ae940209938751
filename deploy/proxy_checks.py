"""HTTP-level checks of the nginx proxy of deploy/nginx.conf (run by loopback_proxy_check.sh).

    python deploy/proxy_checks.py PROXY_URL DIRECT_URL ACCESS_LOG [--expect-upstreams N]

1. /_stcore/health through the proxy answers "ok".
2. /_stcore/metrics answers 200 directly but 404 through the proxy, also spelled
   /_stcore/metrics/, /_stcore//metrics, /_stcore/%6Detrics and with a query.
3. Cookie-less requests are spread over the upstreams (each gets a fresh routing
   cookie), and every request that carries one routing cookie reaches one upstream.
4. Abuse: the upload route answers 403 (PUT and POST, odd spellings too) without reaching
   a replica, every response forbids framing, and one client sending requests as fast as
   it can is answered 429 once past its burst (at most 400 requests).
Standard library only. Exit 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import time
import urllib.parse
from collections import defaultdict

LOG_RE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) .*'
    r"upstream=(?P<upstream>\S+) route=(?P<route>\S+)"
)


def request(
    base: str, path: str, cookie: str | None = None, method: str = "GET", body: bytes = b""
) -> tuple[int, bytes, str | None]:
    """Send base+path exactly as written (no client-side normalisation of the path).

    Returns the status, the body and the proxy's routing Set-Cookie header (or None).
    """
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    conn.request(method, path, body=body or None, headers=headers)
    resp = conn.getresponse()
    request.last_headers = resp.headers  # type: ignore[attr-defined]
    body = resp.read()
    route_cookies = [c for c in resp.headers.get_all("Set-Cookie") or [] if "gan_lab_route=" in c]
    set_cookie = route_cookies[0] if route_cookies else None
    conn.close()
    return resp.status, body, set_cookie


def parse_log(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [m.groupdict() for line in f if (m := LOG_RE.search(line))]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("proxy")
    p.add_argument("direct")
    p.add_argument("access_log")
    p.add_argument("--expect-upstreams", type=int, default=2)
    p.add_argument("--spread-requests", type=int, default=24)
    args = p.parse_args()
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"proxy_checks: {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    status, body, _ = request(args.proxy, "/_stcore/health")
    check(status == 200 and body == b"ok", f"health through the proxy: {status} {body[:20]!r}")

    status, _, _ = request(args.direct, "/_stcore/metrics")
    check(status == 200, f"/_stcore/metrics directly on a replica: {status} (expected 200)")
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics/",
        "/_stcore/metrics?format=json",
        "/_stcore//metrics",
        "/_stcore/%6Detrics",
        "//_stcore/metrics",
    ):
        status, _, _ = request(args.proxy, path)
        check(status == 404, f"{path} through the proxy: {status} (expected 404)")

    # A browser-like client: the first response sets the routing cookie, later requests
    # send it back.
    status, _, set_cookie = request(args.proxy, "/")
    m = re.match(r"(gan_lab_route=[0-9a-f]+)", set_cookie or "")
    check(status == 200 and m is not None, f"GET / sets a routing cookie: {set_cookie!r}")
    if m:
        cookie = m.group(1)
        for _ in range(10):
            _, _, again = request(args.proxy, "/_stcore/health", cookie=cookie)
            if again is not None:
                check(False, f"a request with the routing cookie got a new one: {again!r}")
                break
    for _ in range(args.spread_requests):
        request(args.proxy, "/_stcore/health")

    time.sleep(1.0)  # nginx writes a WebSocket's log line when the socket closes
    entries = [e for e in parse_log(args.access_log) if e["upstream"] != "-"]
    by_route: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        by_route[e["route"]].add(e["upstream"])
    split = {r: u for r, u in by_route.items() if len(u) > 1}
    check(not split, f"each routing cookie stays on one upstream ({len(by_route)} routes)")
    used = set().union(*by_route.values()) if by_route else set()
    check(
        len(used) == args.expect_upstreams,
        f"cookie-less clients spread over the upstreams: {sorted(used)}",
    )
    ws = [e for e in entries if e["path"].startswith("/_stcore/stream")]
    if ws:
        check(
            all(e["status"] == "101" for e in ws),
            f"WebSocket upgrades through the proxy: {[e['status'] for e in ws]}",
        )
        pages = {e["route"]: e["upstream"] for e in entries if e["path"] == "/"}
        same = all(pages.get(e["route"], e["upstream"]) == e["upstream"] for e in ws)
        check(same, "each WebSocket reached the replica that served its page")

    # 4. Abuse.
    n_log = len(parse_log(args.access_log))
    for method, path in (
        ("PUT", "/_stcore/upload_file/some-session/some-file"),
        ("POST", "/_stcore/upload_file/some-session/some-file"),
        ("PUT", "/_stcore//upload_file/x/y"),
        ("PUT", "/_stcore/%75pload_file/x/y"),
    ):
        status, _, _ = request(args.proxy, path, method=method, body=b"0" * 1000)
        check(status == 403, f"{method} {path} through the proxy: {status} (expected 403)")
    time.sleep(0.5)
    leaked = [e for e in parse_log(args.access_log)[n_log:] if e["upstream"] != "-"]
    check(not leaked, f"no upload request reached a replica: {leaked}")
    request(args.proxy, "/")
    h = request.last_headers  # type: ignore[attr-defined]
    check(
        h.get("X-Frame-Options") == "DENY"
        and "frame-ancestors 'none'" in (h.get("Content-Security-Policy") or ""),
        f"the page forbids framing: {h.get('X-Frame-Options')!r}, "
        f"{h.get('Content-Security-Policy')!r}",
    )
    codes = [request(args.proxy, "/_stcore/health")[0] for _ in range(400)]
    check(
        codes.count(429) > 0 and codes[:150].count(200) == 150,
        f"a client past its burst gets 429: {codes.count(200)} x 200, {codes.count(429)} x 429",
    )

    if failures:
        print(f"proxy_checks: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("proxy_checks: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
