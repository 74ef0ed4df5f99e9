import Foundation
import LinearAlgebra

/// The machine's single-thread `sgemm` throughput: the best of several large square products.
enum SGEMMPeak {
  static func measure(size n: Int = 1024) -> (gflops: Double, shape: String) {
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    let timing = TabooBench.measure(warmup: 2, minimumRuns: 8, minimumSeconds: 1.0) {
      BLAS.gemm(.none, .transposed, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n,
                beta: 0, c: &c, ldc: n)
    }
    return (2 * Double(n * n * n) / timing.min / 1e9, "\(n)×\(n)×\(n), best of runs")
  }
}
