"""Python asyncio: `async with asyncio.timeout(s)` around each operation (which yields once)."""

import asyncio

from work import clock, mix, ns_per


async def op(i):
    await asyncio.sleep(0)
    return mix(i)


async def main(params):
    n = params["n"]
    seconds = params["timeoutMs"] / 1000

    async def guarded(i):
        async with asyncio.timeout(seconds):
            return await op(i)

    t0 = clock()
    if params["mode"] == "sequential":
        checksum = 0
        for i in range(n):
            checksum += await guarded(i)
    else:
        checksum = sum(await asyncio.gather(*(guarded(i) for i in range(n))))
    t1 = clock()
    return {"checksum": checksum, "metrics": {"nsPerOp": ns_per(t0, t1, n)}}
