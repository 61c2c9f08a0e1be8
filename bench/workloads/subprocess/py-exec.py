"""Python asyncio: create_subprocess_exec + wait() for each, `concurrency` at a time under a Semaphore, gathered."""

import asyncio
from asyncio.subprocess import DEVNULL

from work import clock


async def main(params):
    n = params["n"]
    program = params["program"]
    sem = asyncio.Semaphore(int(params["concurrency"]))

    async def one():
        async with sem:
            proc = await asyncio.create_subprocess_exec(program, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
            return await proc.wait()

    t0 = clock()
    results = await asyncio.gather(*(one() for _ in range(n)))
    t1 = clock()
    return {"checksum": sum(1 for rc in results if rc == 0), "metrics": {"usPerProcess": (t1 - t0) * 1000.0 / n}}
