"""py-asyncio.py's code on uvloop's event loop (skipped when uvloop is not installed)."""

import asyncio
import importlib.util
import os

import uvloop

asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

_spec = importlib.util.spec_from_file_location(
    "bench_streams_asyncio", os.path.join(os.path.dirname(os.path.abspath(__file__)), "py-asyncio.py")
)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
main = _module.main
