import Foundation
import LinearAlgebra

/// Times each matrix product of one GRU training step (hidden H, batch B, T = 7, E = 32, C = 5)
/// on its own, to show where the step's matrix time goes.
enum GemmShapes {
  static func run(hidden h: Int, batch b: Int, peak: Double) {
    let t = 7, e = 32, c = 5, v = 7, gh = 3 * h, rows = t * b
    // Token inputs: the input side works on the V embedding rows (see Network+Training.swift).
    let shapes: [(String, Transpose, Transpose, Int, Int, Int, Int)] = [
      ("token projections emb·W_ihᵀ", .none, .transposed, v, gh, e, 1),
      ("recurrence h·W_hhᵀ (per step)", .none, .transposed, b, gh, h, t - 1),
      ("readout h·head_Wᵀ", .none, .transposed, rows, c, h, 1),
      ("∂head_W = dLᵀ·h", .transposed, .none, c, h, rows, 1),
      ("∂h = dL·head_W", .none, .none, rows, h, c, 1),
      ("∂h_{t−1} = dG·W_hh (per step)", .none, .none, b, h, gh, t - 1),
      ("∂W_ih = Sᵀ·emb (S: Σ dG per token)", .transposed, .none, gh, e, v, 1),
      ("∂W_hh = dGᵀ·h", .transposed, .none, gh, h, (t - 1) * b, 1),
      ("∂emb = S·W_ih", .none, .none, v, e, gh, 1),
    ]
    print("GRU H=\(h) B=\(b): each product of a training step, single thread")
    print("product".padding(toLength: 34, withPad: " ", startingAt: 0)
      + "     m     n     k  calls    µs total  GFLOP/s  % peak")
    var total = 0.0
    for (name, ta, tb, m, n, k, calls) in shapes {
      let aCount = m * k, bCount = k * n
      let a = [Float](repeating: 0.01, count: aCount), bb = [Float](repeating: 0.02, count: bCount)
      var cc = [Float](repeating: 0, count: m * n)
      let lda = ta == .none ? k : m, ldb = tb == .none ? n : k
      let time = measure(minimumSeconds: 0.2) {
        for _ in 0..<calls {
          BLAS.gemm(ta, tb, m: m, n: n, k: k, a: a, lda: lda, b: bb, ldb: ldb, beta: 1, c: &cc, ldc: n)
        }
      }.median
      total += time
      let gflops = 2 * Double(m * n * k * calls) / time / 1e9
      print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
        + String(format: "%6d%6d%6d%7d%12.1f%9.1f%7.0f%%", m, n, k, calls, time * 1e6, gflops,
                 100 * gflops / peak))
    }
    print(String(format: "all products: %.3f ms", total * 1e3))
  }
}
