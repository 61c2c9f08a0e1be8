"""Python asyncio: asyncio.Queue(maxsize), one producer (the main task), `consumers` tasks taking with get()
until a None sentinel each (Python 3.11 has no Queue.shutdown), gathered."""

import asyncio

from work import clock, ns_per


async def main(params):
    n = params["n"]
    queue = asyncio.Queue(int(params["maxsize"]))

    async def consume():
        total = 0
        while (item := await queue.get()) is not None:
            total += item
        return total

    t0 = clock()
    tasks = [asyncio.create_task(consume()) for _ in range(int(params["consumers"]))]
    for i in range(n):
        await queue.put(i)
    for _ in tasks:
        await queue.put(None)
    sums = await asyncio.gather(*tasks)
    t1 = clock()
    return {"checksum": sum(sums), "metrics": {"nsPerItem": ns_per(t0, t1, n)}}
