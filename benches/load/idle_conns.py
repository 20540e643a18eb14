#!/usr/bin/env python3
"""Opens N keep-alive connections to HOST:PORT, sends one request on each,
reads the response, keeps them all open and prints the server PID's VmRSS
(KiB) as JSON. Usage: idle_conns.py PORT PID N PATH"""
import asyncio, json, sys

port, pid, n, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


async def one(i, conns):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET {path} HTTP/1.1\r\nHost: bench.local\r\nConnection: keep-alive\r\n\r\n".encode())
    await w.drain()
    # Read the headers, then the declared body.
    head = await r.readuntil(b"\r\n\r\n")
    length = 0
    chunked = False
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
        if k.strip().lower() == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await r.readline()).split(b";")[0], 16)
            await r.readexactly(size + 2)
            if size == 0:
                break
    else:
        await r.readexactly(length)
    conns.append((r, w))


async def main():
    before = rss_kib(pid)
    conns = []
    sem = asyncio.Semaphore(100)

    async def guarded(i):
        async with sem:
            await one(i, conns)

    await asyncio.gather(*(guarded(i) for i in range(n)))
    await asyncio.sleep(1.0)
    after = rss_kib(pid)
    print(json.dumps({"connections": len(conns), "rss_before_kib": before, "rss_kib": after}))
    for _, w in conns:
        w.close()


asyncio.run(main())
