#!/usr/bin/env python3
"""A TCP proxy that holds every reply of a real server for a fixed time: a slow Redis.

    delay_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards to 127.0.0.1:UPSTREAM_PORT. Requests pass at
once; each chunk of the server's reply is forwarded DELAY_MS after it arrived, in order, so
every round trip takes DELAY_MS longer and pipelined replies are not delayed twice.
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    try:
        while data := await reader.read(65536):
            if delay:
                loop.call_later(delay, writer.write, data)
            else:
                writer.write(data)
                await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if delay:
            await asyncio.sleep(delay)
        writer.close()


async def main(listen, upstream, delay):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, 0),
            pipe(server_reader, client_writer, delay),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    listen, upstream, delay_ms = (int(a) for a in sys.argv[1:4])
    asyncio.run(main(listen, upstream, delay_ms / 1000))
