#!/usr/bin/env python3
"""Time to first response byte and first body byte through PORT (median of N).
Usage: ttfb.py PORT N"""
import json, socket, statistics, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
heads, bodies, totals = [], [], []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.perf_counter()
    s.sendall(b"GET /slow.html HTTP/1.1\r\nHost: bench.local\r\nConnection: close\r\n\r\n")
    buf = b""
    t_head = t_body = None
    while True:
        data = s.recv(65536)
        if not data:
            break
        now = time.perf_counter()
        if t_head is None:
            t_head = now
        buf += data
        if buf.endswith(b"0\r\n\r\n"):
            break
        if t_body is None and b"\r\n\r\n" in buf:
            # chunked: the body starts after the first chunk-size line
            rest = buf.split(b"\r\n\r\n", 1)[1]
            if b"\r\n" in rest and len(rest.split(b"\r\n", 1)[1]) > 0:
                t_body = now
    totals.append(time.perf_counter() - t0)
    s.close()
    assert b"First chunk" in buf and b"late content" in buf, "incomplete response"
    heads.append(t_head - t0)
    bodies.append((t_body or time.perf_counter()) - t0)
print(json.dumps({
    "headers_ms": round(statistics.median(heads) * 1000, 2),
    "first_body_byte_ms": round(statistics.median(bodies) * 1000, 2),
    "total_ms": round(statistics.median(totals) * 1000, 2),
    "samples": n,
}))
