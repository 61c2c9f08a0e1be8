"""Python aiohttp: a ClientSession on a TCPConnector(limit=concurrency), `concurrency` worker tasks pulling
from one counter, each body read whole with read(), gathered."""

import asyncio

import aiohttp

from work import body_sum, clock, http_metrics


async def main(params):
    n = params["n"]
    size = int(params["size"])
    concurrency = int(params["concurrency"])
    target = f"{params['url']}/bytes/{size}"
    state = {"next": 0}

    t0 = clock()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker():
            total = 0
            while state["next"] < n:
                state["next"] += 1
                async with session.get(target) as response:
                    if response.status != 200:
                        raise RuntimeError(f"GET {target}: status {response.status}")
                    total += body_sum(await response.read())
            return total

        sums = await asyncio.gather(*(worker() for _ in range(concurrency)))
        t1 = clock()
    return {"checksum": sum(sums), "metrics": http_metrics(t0, t1, n, size)}
