"""Runs one Python implementation in this (fresh) process and prints its outcome as one line:
    python3 bench/lib/child.py <impl.py> <params.json> [<warm-up params.json>]
The implementation defines `async def main(params) -> {"checksum": ..., "metrics": {...}}`.
"""

import asyncio
import gc
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for `import work`


def load(path):
    spec = importlib.util.spec_from_file_location("bench_impl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    path, params_json = sys.argv[1], sys.argv[2]
    warm_json = sys.argv[3] if len(sys.argv) > 3 else ""
    impl = load(path)
    if warm_json:
        asyncio.run(impl.main(json.loads(warm_json)))
        gc.collect()
    outcome = asyncio.run(impl.main(json.loads(params_json)))
    sys.stdout.write("@@RESULT " + json.dumps(outcome) + "\n")
    sys.stdout.flush()


main()
