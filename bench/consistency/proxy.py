#!/usr/bin/env python3
"""A TCP proxy on loopback that the consistency checker's nemesis can break on demand.

    proxy.py LISTEN_PORT TARGET_PORT STATUS_FILE [REFUSE_SECONDS]

Signals:
  SIGUSR1  stall: keep every connection open but drop what the target sends (the client sees a
           silent, healthy-looking link: a Redis replica behind it notices nothing while it misses
           its master's replication stream); what the client sends still reaches the target
  SIGUSR2  forward again
  SIGHUP   reset: every connection is closed with a RST, and the port refuses connections for
           REFUSE_SECONDS (default 3): what clients see when PostgreSQL restarts
After each signal is handled, STATUS_FILE holds a JSON line of counters (connections, resets,
bytes dropped), so the nemesis can check that the fault happened.
Hand-written rather than a packaged proxy because none of the Debian ones can stall a stream
while keeping it open.
"""
import asyncio
import json
import os
import signal
import socket
import struct
import sys


class Proxy:
    def __init__(self, listen_port, target_port, status_file, refuse_seconds):
        self.listen_port = listen_port
        self.target_port = target_port
        self.status_file = status_file
        self.refuse_seconds = refuse_seconds
        self.stalled = False
        self.pairs = set()
        self.server = None
        self.counters = {"accepted": 0, "open": 0, "resets": 0, "reset_connections": 0,
                         "stalls": 0, "bytes_dropped": 0, "refusing": False}

    async def start(self):
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", self.listen_port, reuse_address=True)
        self.write_status()

    def write_status(self):
        self.counters["open"] = len(self.pairs)
        with open(self.status_file + ".tmp", "w") as f:
            json.dump(self.counters, f)
        os.replace(self.status_file + ".tmp", self.status_file)

    async def accept(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.counters["accepted"] += 1
        pair = (writer, up_writer)
        self.pairs.add(pair)
        await asyncio.gather(self.pipe(reader, up_writer, False), self.pipe(up_reader, writer, True),
                             return_exceptions=True)
        self.pairs.discard(pair)
        for w in pair:
            w.close()

    async def pipe(self, reader, writer, from_target):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if from_target and self.stalled:
                    self.counters["bytes_dropped"] += len(data)
                    continue
                writer.write(data)
                await writer.drain()
        finally:
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                pass

    def stall(self, on):
        self.stalled = on
        if on:
            self.counters["stalls"] += 1
        self.write_status()

    async def reset(self):
        self.counters["resets"] += 1
        self.counters["refusing"] = True
        self.server.close()
        for pair in list(self.pairs):
            for w in pair:
                sock = w.get_extra_info("socket")
                if sock is not None:
                    try:   # linger 0: close sends a RST, as a dying server's kernel does
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    except OSError:
                        pass
                w.transport.abort()
            self.counters["reset_connections"] += 1
        self.pairs.clear()
        self.write_status()
        await asyncio.sleep(self.refuse_seconds)
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", self.listen_port, reuse_address=True)
        self.counters["refusing"] = False
        self.write_status()


async def main():
    listen_port, target_port, status_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    refuse = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
    proxy = Proxy(listen_port, target_port, status_file, refuse)
    await proxy.start()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.stall, True)
    loop.add_signal_handler(signal.SIGUSR2, proxy.stall, False)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(proxy.reset()))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
