// The streams workloads' metrics for `trips` round trips of `size` bytes each way between two clock() readings.
export function streamMetrics(t0: number, t1: number, trips: number, size: number): Record<string, number> {
  const seconds = (t1 - t0) / 1000;
  return {
    usPerRoundTrip: ((t1 - t0) * 1000) / trips,
    roundTripsPerS: trips / seconds,
    mbPerS: (trips * size) / 1e6 / seconds,
  };
}
