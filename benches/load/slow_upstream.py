#!/usr/bin/env python3
"""A slow upstream: answers every request with an HTML page whose first chunk
comes at once and the rest after DELAY seconds (chunked encoding).
Usage: slow_upstream.py PORT [DELAY]"""
import asyncio, sys

port = int(sys.argv[1])
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
FIRST = (b"<!doctype html><html><head><meta charset=utf-8><title>slow</title>"
         b"<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>"
         b"</head><body><h1>First chunk</h1>" + b"<p>early content</p>" * 50)
REST = b"<p>late content</p>" * 50 + b"</body></html>"


async def handle(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            if not head:
                return
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
            w.write(b"%x\r\n%s\r\n" % (len(FIRST), FIRST))
            await w.drain()
            await asyncio.sleep(delay)
            w.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(REST), REST))
            await w.drain()
            if b"connection: close" in head.lower():
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        w.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
