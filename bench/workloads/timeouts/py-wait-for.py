"""Python asyncio: asyncio.wait_for(op(i), s) (Python 3.11's wait_for runs the coroutine as a task)."""

import asyncio

from work import clock, mix, ns_per


async def op(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    seconds = params["timeoutMs"] / 1000
    t0 = clock()
    if params["mode"] == "sequential":
        checksum = 0
        for i in range(n):
            checksum += await asyncio.wait_for(op(i), seconds)
    else:
        checksum = sum(await asyncio.gather(*(asyncio.wait_for(op(i), seconds) for i in range(n))))
    t1 = clock()
    return {"checksum": checksum, "metrics": {"nsPerOp": ns_per(t0, t1, n)}}
