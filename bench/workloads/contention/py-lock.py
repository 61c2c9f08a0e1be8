"""Python asyncio: a task per contender (create_task, gathered), each `async with` a shared Lock around
one `sleep(0)`."""

import asyncio

from work import mix, two_sizes


async def round_(size):
    lock = asyncio.Lock()
    total = 0

    async def task(i):
        nonlocal total
        async with lock:
            seen = total
            await asyncio.sleep(0)
            total = seen + mix(i)  # a lost update if two tasks were ever inside at once

    await asyncio.gather(*[asyncio.create_task(task(i)) for i in range(size)])
    return total


async def main(params):
    return await two_sizes(params["n"], round_)
