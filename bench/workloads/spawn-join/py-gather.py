"""Python asyncio: create_task for each, then gather. Each task yields once with sleep(0)."""

import asyncio

from work import clock, mix, ns_per


async def work(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    t0 = clock()
    tasks = [asyncio.create_task(work(i)) for i in range(n)]
    results = await asyncio.gather(*tasks)
    t1 = clock()
    return {"checksum": sum(results), "metrics": {"nsPerTask": ns_per(t0, t1, n)}}
