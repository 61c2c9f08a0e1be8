"""Python asyncio: cancel() every task, then gather(return_exceptions=True) to wait for every finally."""

import asyncio

from work import clock, mix, ns_per


async def main(params):
    n = params["n"]
    seconds = params["sleepMs"] / 1000
    acc = {"checksum": 0}

    async def blocked(i):
        try:
            await asyncio.sleep(seconds)
        finally:
            acc["checksum"] += mix(i)

    t0 = clock()
    tasks = [asyncio.create_task(blocked(i)) for i in range(n)]
    await asyncio.sleep(0)  # every task has started and sleeps
    t1 = clock()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    t2 = clock()
    return {
        "checksum": acc["checksum"],
        "metrics": {"cancelNsPerTask": ns_per(t1, t2, n), "setupNsPerTask": ns_per(t0, t1, n)},
    }
