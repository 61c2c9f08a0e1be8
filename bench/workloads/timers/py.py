"""Python asyncio: a task per asyncio.sleep, gathered.
(A coroutine schedules its timer when awaited, so the deadline is read just before: hi = lo.)"""

import asyncio

from work import clock, delays, mix, timer_metrics


async def main(params):
    n = params["n"]
    ds = delays(n, params["seed"])
    lo = [0.0] * n
    woke = [0.0] * n
    order = []
    acc = {"checksum": 0}

    async def one(i):
        d = ds[i]
        lo[i] = clock() + d
        await asyncio.sleep(d / 1000)
        woke[i] = clock()
        order.append(i)
        acc["checksum"] += d + mix(i)

    t0 = clock()
    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.gather(*tasks)
    t1 = clock()
    return {"checksum": acc["checksum"], "metrics": timer_metrics(lo, lo, woke, order, t1 - t0)}
