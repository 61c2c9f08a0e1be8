"""Python asyncio, the idiom: a task per item, each `async with` a Semaphore, gathered."""

import asyncio

from work import clock, mix, ns_per


async def op(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    sem = asyncio.Semaphore(int(params["concurrency"]))

    async def guarded(i):
        async with sem:
            return await op(i)

    t0 = clock()
    results = await asyncio.gather(*(guarded(i) for i in range(n)))
    t1 = clock()
    return {"checksum": sum(results), "metrics": {"nsPerTask": ns_per(t0, t1, n)}}
