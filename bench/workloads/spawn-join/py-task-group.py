"""Python asyncio: a TaskGroup that starts every task. Each task yields once with sleep(0)."""

import asyncio

from work import clock, mix, ns_per


async def work(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    t0 = clock()
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(work(i)) for i in range(n)]
    t1 = clock()
    return {"checksum": sum(t.result() for t in tasks), "metrics": {"nsPerTask": ns_per(t0, t1, n)}}
