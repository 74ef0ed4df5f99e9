import Foundation

/// Wall-clock seconds from a monotonic clock.
func now() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Times `body` after `warmup` calls, repeating until both `minimumSeconds` and `minimumRuns`
/// are reached; returns the median and the minimum seconds per call.
func measure(warmup: Int = 10, minimumRuns: Int = 30, minimumSeconds: Double,
             _ body: () -> Void) -> (median: Double, min: Double) {
  for _ in 0..<warmup { body() }
  var samples: [Double] = []
  let start = now()
  while samples.count < minimumRuns || now() - start < minimumSeconds {
    let t0 = now()
    body()
    samples.append(now() - t0)
  }
  samples.sort()
  return (samples[samples.count / 2], samples[0])
}
