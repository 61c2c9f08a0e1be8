"""Python asyncio streams: a start_server echo handler (read, write, drain) and `connections` clients, each doing
its round trips in turn (write, drain, readexactly), gathered. py-uvloop.py runs the same code on uvloop."""

import asyncio

from work import body_sum, clock, mix


def pattern(n):
    return bytes(mix(i) & 255 for i in range(n))


async def echo(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


async def main(params):
    c = int(params["connections"])
    size = int(params["size"])
    per = params["n"] // c
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(c)))
    message = pattern(size)

    async def client(reader, writer):
        total = 0
        for _ in range(per):
            writer.write(message)
            await writer.drain()
            total += body_sum(await reader.readexactly(size))
        return total

    t0 = clock()
    sums = await asyncio.gather(*(client(r, w) for r, w in conns))
    t1 = clock()
    for _, writer in conns:
        writer.close()
    server.close()
    await server.wait_closed()
    seconds = (t1 - t0) / 1000.0
    trips = per * c
    return {
        "checksum": sum(sums),
        "metrics": {
            "usPerRoundTrip": (t1 - t0) * 1000.0 / trips,
            "roundTripsPerS": trips / seconds,
            "mbPerS": trips * size / 1e6 / seconds,
        },
    }
