"""Python asyncio: tasks blocked in asyncio.sleep (1 h); bytes from tracemalloc after gc.collect()."""

import asyncio
import gc
import tracemalloc


async def main(params):
    n = params["n"]
    seconds = params["sleepMs"] / 1000
    acc = {"started": 0}

    async def blocked():
        acc["started"] += 1
        await asyncio.sleep(seconds)

    tracemalloc.start()
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    tasks = [asyncio.create_task(blocked()) for _ in range(n)]
    await asyncio.sleep(0)  # every task has started and sleeps
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_task = (after - before) / len(tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"checksum": acc["started"], "metrics": {"bytesPerTask": per_task}}
