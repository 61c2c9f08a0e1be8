"""The work every Python implementation shares (twin of work.ts)."""

import bisect
import time


def mix(i):
    return (i * 7919) % 10007


def body_sum(body):
    """As bodySum in work.ts: length plus the first, middle and last bytes."""
    n = len(body)
    return 0 if n == 0 else n + body[0] + body[n >> 1] + body[n - 1]


def http_metrics(t0, t1, n, size):
    """As httpMetrics in work.ts: µs per request, requests per second, MB/s."""
    seconds = (t1 - t0) / 1000.0
    return {"usPerRequest": (t1 - t0) * 1000.0 / n, "requestsPerS": n / seconds, "mbPerS": n * size / 1e6 / seconds}


def clock():
    """Monotonic milliseconds."""
    return time.perf_counter() * 1000.0


def ns_per(t0, t1, n):
    return (t1 - t0) * 1e6 / n


def delays(n, seed):
    """Delays of 1-50 ms from a 32-bit LCG: the same sequence as work.ts."""
    out = [0] * n
    state = seed & 0xFFFFFFFF
    for i in range(n):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = 1 + ((state >> 16) % 50)
    return out


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    rank = min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))
    return s[int(rank)]


def count_inversions(lo, hi, tolerance=0.0):
    """Pairs k < m (k woke first) with lo[k] > hi[m] + tolerance: deadlines surely out of order."""
    n = len(lo)
    x = list(lo)
    y = list(hi)
    count = 0
    width = 1
    while width < n:
        nx = []
        ny = []
        for start in range(0, n, 2 * width):
            mid = min(start + width, n)
            end = min(start + 2 * width, n)
            left_x = x[start:mid]
            for v in y[mid:end]:
                count += len(left_x) - bisect.bisect_right(left_x, v + tolerance)
            nx.extend(sorted(x[start:end]))
            ny.extend(sorted(y[start:end]))
        x, y = nx, ny
        width *= 2
    return count


def timer_metrics(lo, hi, woke, order, wall_ms):
    """As timerMetrics in work.ts."""
    n = len(lo)
    late = [woke[i] - lo[i] for i in range(n)]
    los = [lo[i] for i in order]
    his = [hi[i] for i in order]
    return {
        "wallMs": wall_ms,
        "p50LateMs": percentile(late, 50),
        "p99LateMs": percentile(late, 99),
        "maxLateMs": percentile(late, 100),
        "early": sum(1 for x in late if x < 0),
        "inversions": count_inversions(los, his, 0.0),
        "inversions1ms": count_inversions(los, his, 1.0),
    }


async def two_sizes(n, round_):
    """As twoSizes in work.ts: `await round_(size)` at n // 4 and then at n, timing each."""
    small = n // 4
    t0 = clock()
    small_sum = await round_(small)
    t1 = clock()
    total = await round_(n)
    t2 = clock()
    return {
        "checksum": small_sum + total,
        "metrics": {
            "nsPerTask": ns_per(t1, t2, n),
            "msQuarter": t1 - t0,
            "msFull": t2 - t1,
            "growth": (t2 - t1) / (t1 - t0),
        },
    }
