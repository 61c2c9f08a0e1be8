"""Python asyncio: `concurrency` worker tasks pulling from a shared index, gathered (what aio's map does inside)."""

import asyncio

from work import clock, mix, ns_per


async def op(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    results = [0] * n
    state = {"next": 0}

    async def worker():
        while state["next"] < n:
            i = state["next"]
            state["next"] = i + 1
            results[i] = await op(i)

    t0 = clock()
    await asyncio.gather(*(asyncio.create_task(worker()) for _ in range(int(params["concurrency"]))))
    t1 = clock()
    return {"checksum": sum(results), "metrics": {"nsPerTask": ns_per(t0, t1, n)}}
