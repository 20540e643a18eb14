#!/usr/bin/env python3
"""Soak test: Consentry under mixed traffic for MINUTES minutes, with its
config reloaded every few seconds and its upstream restarted twice.

  benches/soak/soak.py [--binary target/release/consentry] [--minutes 10]
                       [--workers 16] [--rate 300] [--reload-every 3] [--json FILE]

Traffic: keep-alive HTTP/1.1 clients cycling through consent states (none,
Consentry cookie, OneTrust, GPC, malformed TCF) and responses (1 KB HTML
page with a tracker and Set-Cookies, gzip'd HTML, JavaScript, JSON). Every
RELOAD_EVERY seconds the config file is rewritten (mode and a disabled tag
rule alternate); every other reload also sends SIGHUP. The upstream (a
separate process) is killed and restarted at 1/3 and 2/3 of the run.

Reports per minute: requests, p50/p99 latency, failures (anything but a
complete response: connection errors, truncated bodies, non-5xx errors),
5xx answers and responses cut off inside an upstream-restart window
(expected: the upstream died) and 5xx outside one (unexpected), and RSS. Exits non-zero if there was any failure or
unexpected 5xx. Not part of `cargo test`: it takes MINUTES minutes.
"""
import argparse, asyncio, gzip, json, os, random, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PAGE = open(os.path.join(REPO, "benches/load/page1k.html"), "rb").read()

CONSENTS = [
    {},
    {"Cookie": "consentry=analytics; _ga=GA1.2.3; sessionid=abc"},
    {"Cookie": "consentry=analytics,marketing; _fbp=fb.1"},
    {"Cookie": "OptanonConsent=groups=C0001:1,C0002:0,C0003:1,C0004:0; _ga=1"},
    {"Sec-GPC": "1", "Cookie": "consentry=preferences,analytics,marketing"},
    {"Cookie": "euconsent-v2=not-a-tc-string; _gid=2"},
]
PATHS = ["/", "/", "/gz", "/app.js", "/api/items"]

UPSTREAM = r'''
import asyncio, gzip, sys
page = open(sys.argv[2], "rb").read()
gz = gzip.compress(page)
async def handle(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0]
            path = line.split(b" ")[1]
            for h in head.split(b"\r\n"):
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"content-length" and int(v) > 0:
                    await r.readexactly(int(v))
            extra = b""
            if path == b"/gz":
                body, ctype, extra = gz, b"text/html; charset=utf-8", b"Content-Encoding: gzip\r\n"
            elif path == b"/app.js":
                body, ctype = b"console.log('app');\n" * 20, b"application/javascript"
            elif path.startswith(b"/api"):
                body, ctype = b'{"items":[1,2,3]}', b"application/json"
            else:
                body, ctype = page, b"text/html; charset=utf-8"
                extra = b"Set-Cookie: _ga=GA1.2.999; Path=/\r\nSet-Cookie: sessionid=s1; Path=/; HttpOnly\r\n"
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\n" + extra +
                    b"Content-Length: %d\r\n\r\n" % len(body) + body)
            await w.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
        pass
    finally:
        w.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), reuse_address=True, backlog=1024)
    await server.serve_forever()
asyncio.run(main())
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return -1.0


def config_text(port, admin, up_port, n):
    mode = "enforce" if n % 2 == 0 else "report-only"
    disable = '["google-analytics"]' if n % 4 == 1 else "[]"
    return (f'mode = "{mode}"\n[tags]\ndisable = {disable}\n'
            f'[proxy]\nlisten = "127.0.0.1:{port}"\nupstream = "http://127.0.0.1:{up_port}"\n'
            f'[proxy.timeouts]\nconnect = "1s"\n'
            f'[admin]\nlisten = "127.0.0.1:{admin}"\nreadiness = "config"\n'
            f'[consent_ui]\nrecords = "off"\n# reload {n}\n')


class Stats:
    def __init__(self):
        self.minutes = {}

    def minute(self, m):
        return self.minutes.setdefault(m, {"requests": 0, "latencies": [], "failures": 0,
                                           "expected_5xx": 0, "unexpected_5xx": 0, "broken_in_restart": 0,
                                           "failure_samples": []})


async def read_response(r):
    head = await r.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, chunked = None, False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            length = int(v)
        elif k == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    body = b""
    if chunked:
        while True:
            size = int((await r.readline()).split(b";")[0], 16)
            chunk = await r.readexactly(size + 2)
            body += chunk[:-2]
            if size == 0:
                break
    elif length is not None:
        body = await r.readexactly(length)
    closes = b"connection: close" in head.lower()
    return status, head, body, closes


async def worker(i, port, stats, start, end, restarts, interval):
    rng = random.Random(i)
    conn = None
    next_at = time.monotonic() + rng.random() * interval
    while time.monotonic() < end:
        await asyncio.sleep(max(0, next_at - time.monotonic()))
        next_at += interval
        consent = rng.choice(CONSENTS)
        path = rng.choice(PATHS)
        headers = "".join(f"{k}: {v}\r\n" for k, v in consent.items())
        if path == "/gz":
            headers += "Accept-Encoding: gzip\r\n"
        t0 = time.monotonic()
        m = stats.minute(int((t0 - start) // 60))
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            r, w = conn
            w.write(f"GET {path} HTTP/1.1\r\nHost: shop.test\r\n{headers}\r\n".encode())
            await w.drain()
            status, head, body, closes = await asyncio.wait_for(read_response(r), 30)
            if closes:
                w.close()
                conn = None
            elapsed = time.monotonic() - t0
            m["requests"] += 1
            m["latencies"].append(elapsed)
            in_restart = in_window(restarts, t0 - start)
            if status >= 500:
                m["expected_5xx" if in_restart else "unexpected_5xx"] += 1
                if not in_restart:
                    m["failure_samples"].append(
                        f"{path}: {status} at {t0 - start:.1f} s: {body[:80]!r}")
            elif status != 200:
                m["failures"] += 1
                m["failure_samples"].append(f"{path}: status {status}")
            elif path == "/gz" and b"</footer>" not in gzip.decompress(body):
                m["failures"] += 1
                m["failure_samples"].append(f"{path}: bad gzip body")
            elif path == "/" and b"</footer>" not in body:
                m["failures"] += 1
                m["failure_samples"].append(f"{path}: incomplete page")
        except Exception as e:  # noqa: BLE001 - every failure is counted
            m["requests"] += 1
            if in_window(restarts, t0 - start):
                # The upstream died mid-response: the body is cut off.
                m["broken_in_restart"] += 1
            else:
                m["failures"] += 1
                m["failure_samples"].append(f"{path}: {type(e).__name__}: {e}"[:120])
            if conn is not None:
                conn[1].close()
            conn = None
            await asyncio.sleep(0.05)


def in_window(restarts, t):
    """Whether `t` (s since start) falls in an upstream restart, from 1 s
    before the kill to 3 s after the new process listens."""
    return any(a - 1 <= t <= (b if b is not None else float("inf")) + 3 for a, b in restarts)


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def main(args):
    port, admin, up_port = free_port(), free_port(), free_port()
    work = tempfile.mkdtemp(prefix="consentry-soak.")
    config = os.path.join(work, "consentry.toml")
    upstream_py = os.path.join(work, "upstream.py")
    open(upstream_py, "w").write(UPSTREAM)
    page = os.path.join(REPO, "benches/load/page1k.html")

    def start_upstream():
        process = subprocess.Popen([sys.executable, upstream_py, str(up_port), page])
        wait_listening(up_port)
        return process

    def write_config(n):
        tmp = config + ".tmp"
        open(tmp, "w").write(config_text(port, admin, up_port, n))
        os.replace(tmp, config)

    write_config(0)
    upstream = start_upstream()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env["RUST_LOG"] = "warn"
    log = open(os.path.join(work, "consentry.log"), "w")
    proxy = subprocess.Popen([args.binary, "run", "--config", config], env=env,
                             stdout=subprocess.DEVNULL, stderr=log)
    wait_listening(port)
    duration = args.minutes * 60
    start = time.monotonic()
    end = start + duration
    restarts = []
    stats = Stats()
    rss = {}

    async def chores():
        nonlocal upstream
        n = 0
        next_reload = start + args.reload_every
        restart_at = [start + duration / 3, start + 2 * duration / 3]
        while time.monotonic() < end:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            minute = int((now - start) // 60)
            rss[minute] = max(rss.get(minute, 0), rss_mib(proxy.pid))
            if now >= next_reload:
                n += 1
                write_config(n)
                if n % 2 == 0:
                    proxy.send_signal(signal.SIGHUP)
                next_reload += args.reload_every
            if restart_at and now >= restart_at[0]:
                restart_at.pop(0)
                restarts.append([now - start, None])
                upstream.kill()
                upstream.wait()
                await asyncio.sleep(2)
                upstream = start_upstream()
                restarts[-1][1] = time.monotonic() - start
        return n

    results = await asyncio.gather(chores(), *(worker(i, port, stats, start, end, restarts,
                                                      args.workers / args.rate)
                                               for i in range(args.workers)))
    reloads = results[0]
    rss_end = rss_mib(proxy.pid)
    proxy.send_signal(signal.SIGTERM)
    code = proxy.wait(timeout=60)
    upstream.kill()
    log.close()
    rows = []
    for minute in sorted(stats.minutes):
        m = stats.minutes[minute]
        if minute >= args.minutes:
            continue
        rows.append({"minute": minute + 1, "requests": m["requests"],
                     "p50_ms": round(percentile(m["latencies"], 0.50) * 1000, 1),
                     "p99_ms": round(percentile(m["latencies"], 0.99) * 1000, 1),
                     "failures": m["failures"], "expected_5xx": m["expected_5xx"],
                     "unexpected_5xx": m["unexpected_5xx"],
                     "broken_in_restart": m["broken_in_restart"], "rss_max_mib": rss.get(minute, -1),
                     "failure_samples": m["failure_samples"][:3]})
    reload_lines = [l for l in open(os.path.join(work, "consentry.log")) if "reload" in l]
    summary = {"minutes": args.minutes, "workers": args.workers, "config_writes": reloads,
               "upstream_restarts_s": [[round(a, 1), round(b, 1)] for a, b in restarts],
               "requests": sum(r["requests"] for r in rows),
               "failures": sum(r["failures"] for r in rows),
               "expected_5xx": sum(r["expected_5xx"] for r in rows),
               "unexpected_5xx": sum(r["unexpected_5xx"] for r in rows),
               "broken_in_restart": sum(r["broken_in_restart"] for r in rows),
               "rss_end_mib": rss_end, "exit_code": code,
               "failed_reloads_logged": sum("failed" in l for l in reload_lines)}
    print("| minute | requests | p50 ms | p99 ms | failures | 5xx in restart | cut off in restart "
          "| 5xx outside | RSS max MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['minute']} | {r['requests']} | {r['p50_ms']} | {r['p99_ms']} | {r['failures']} "
              f"| {r['expected_5xx']} | {r['broken_in_restart']} | {r['unexpected_5xx']} "
              f"| {r['rss_max_mib']} |")
    print(json.dumps(summary))
    for r in rows:
        for sample in r["failure_samples"]:
            print(f"minute {r['minute']}: {sample}")
    if args.json:
        json.dump({"summary": summary, "minutes": rows}, open(args.json, "w"), indent=1)
    ok = summary["failures"] == 0 and summary["unexpected_5xx"] == 0 and code == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=os.path.join(REPO, "target/release/consentry"))
    p.add_argument("--minutes", type=int, default=10)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--reload-every", type=float, default=3.0)
    p.add_argument("--rate", type=float, default=300, help="requests per second, all workers")
    p.add_argument("--json")
    asyncio.run(main(p.parse_args()))
