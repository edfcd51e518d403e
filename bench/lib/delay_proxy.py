#!/usr/bin/env python3
"""A TCP proxy on loopback that holds every chunk, in both directions, for DELAY_MS before passing
it on: a Redis that answers, but slowly (as under a fork, swapping or a saturated network).

Usage: delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS
Prints "ready" once it listens. Stops on SIGTERM.
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            await asyncio.sleep(delay)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, target_port, delay_ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    delay = delay_ms / 1000.0

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
