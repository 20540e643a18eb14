#!/usr/bin/env python3
"""Does memory come back after connection bursts?

Starts a small HTTP/1.1 upstream (the 1 KB page, keep-alive) and
`consentry run` in front of it, then:
  1. RSS with N_IDLE idle keep-alive connections (each made one request);
  2. BURSTS times: open BURST keep-alive connections (one request each),
     hold them, close them all, then sample RSS every 5 s for SETTLE s.
Prints one JSON object: idle RSS, RSS with N_IDLE connections, and per
burst the peak and the RSS 10/30/60 s after the close (MiB).

Usage: rss_bursts.py [--binary target/release/consentry] [--bursts 4]
                     [--burst 2000] [--idle 1000] [--settle 60]
"""
import argparse, asyncio, json, os, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PAGE = open(os.path.join(HERE, "page1k.html"), "rb").read()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


async def upstream(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def one_request(port, conns):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET / HTTP/1.1\r\nHost: bench.local\r\nCookie: a=1\r\n\r\n")
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    if b"chunked" in head.lower():
        while True:
            size = int((await r.readline()).split(b";")[0], 16)
            await r.readexactly(size + 2)
            if size == 0:
                break
    else:
        await r.readexactly(length)
    conns.append(w)


async def open_many(port, n):
    conns, sem = [], asyncio.Semaphore(200)

    async def guarded():
        async with sem:
            await one_request(port, conns)

    await asyncio.gather(*(guarded() for _ in range(n)))
    return conns


async def close_all(conns):
    for w in conns:
        w.close()
    await asyncio.gather(*(w.wait_closed() for w in conns), return_exceptions=True)


async def main(args):
    up_port, port, admin = free_port(), free_port(), free_port()
    server = await asyncio.start_server(upstream, "127.0.0.1", up_port, backlog=4096)
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.write(f'[proxy]\nlisten = "127.0.0.1:{port}"\nupstream = "http://127.0.0.1:{up_port}"\n'
                 f'[admin]\nlisten = "127.0.0.1:{admin}"\nreadiness = "config"\n'
                 f'[consent_ui]\nrecords = "off"\n')
    config.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env["RUST_LOG"] = "warn"
    proc = subprocess.Popen([args.binary, "run", "--config", config.name], env=env,
                            stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        await close_all(await open_many(port, 20))
        await asyncio.sleep(2)
        report = {"binary": args.binary, "idle_mib": rss_mib(proc.pid)}
        conns = await open_many(port, args.idle)
        await asyncio.sleep(1)
        report[f"with_{args.idle}_idle_conns_mib"] = rss_mib(proc.pid)
        await close_all(conns)
        await asyncio.sleep(5)
        bursts = []
        for i in range(args.bursts):
            conns = await open_many(port, args.burst)
            peak = rss_mib(proc.pid)
            await close_all(conns)
            closed = time.monotonic()
            samples = {}
            for at in range(5, args.settle + 1, 5):
                await asyncio.sleep(max(0, closed + at - time.monotonic()))
                samples[at] = rss_mib(proc.pid)
            burst = {"burst": i + 1, "peak_mib": peak}
            for at in (10, 30, 60):
                if at in samples:
                    burst[f"after_{at}s_mib"] = samples[at]
            bursts.append(burst)
            print(json.dumps(burst), file=sys.stderr, flush=True)
        report["bursts"] = bursts
        print(json.dumps(report, indent=1))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        server.close()
        os.unlink(config.name)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=os.path.join(REPO, "target/release/consentry"))
    p.add_argument("--bursts", type=int, default=4)
    p.add_argument("--burst", type=int, default=2000)
    p.add_argument("--idle", type=int, default=1000)
    p.add_argument("--settle", type=int, default=60)
    asyncio.run(main(p.parse_args()))
