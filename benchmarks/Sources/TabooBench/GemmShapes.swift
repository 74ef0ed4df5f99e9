import Foundation
import LinearAlgebra
import Networks
import Specification

/// Times each matrix product of one training step (T = 7, C = 5) on its own, to show where the
/// step's matrix time goes: the GRU's (hidden H, E = 32) or the transformer's (width D = H, the
/// benchmark's 2 blocks, 4 heads, F = 4D).
enum GemmShapes {
  typealias Product = (String, Transpose, Transpose, Int, Int, Int, Int)

  static func run(cell: CellKind, hidden h: Int, batch b: Int, peak: Double) {
    let shapes = cell == .transformer ? transformer(width: h, batch: b) : gru(hidden: h, batch: b)
    print("\(cell.rawValue) H=\(h) B=\(b): each product of a training step, single thread")
    time(shapes, peak: peak)
  }

  /// The transformer's products, as Transformer.swift calls them (calls: one per block) for a
  /// pass of one chunk; passes of at most `Transformer.featureMajorRows` rows read the norms'
  /// outputs y1 and y2 from their feature-major copies.
  static func transformer(width d: Int, batch b: Int) -> [Product] {
    let t = 7, c = 5, rows = t * b, f = 4 * d, blocks = 2
    let featureMajor = rows <= Transformer.featureMajorRows
    return [
      featureMajor ? ("in-projection qkvᵀ = W_in·(y1ᵀ)", .none, .none, 3 * d, rows, d, blocks)
        : ("in-projection qkvᵀ = W_in·y1ᵀ", .none, .transposed, 3 * d, rows, d, blocks),
      ("out-projection context·W_outᵀ", .transposed, .transposed, rows, d, d, blocks),
      featureMajor ? ("linear1 (y2ᵀ)ᵀ·W1ᵀ", .transposed, .transposed, rows, f, d, blocks)
        : ("linear1 y2·W1ᵀ", .none, .transposed, rows, f, d, blocks),
      ("linear2 gelu·W2ᵀ", .none, .transposed, rows, d, f, blocks),
      ("readout y·head_Wᵀ", .none, .transposed, rows, c, d, 1),
      ("∂head_W = dLᵀ·y", .transposed, .none, c, d, rows, 1),
      ("∂y = dL·head_W", .none, .none, rows, d, c, 1),
      ("∂W2 = dStreamᵀ·gelu", .transposed, .none, d, f, rows, blocks),
      ("∂hidden = dStream·W2", .none, .none, rows, f, d, blocks),
      ("∂W1 = dHiddenᵀ·y2", .transposed, .none, f, d, rows, blocks),
      ("∂y2 = dHidden·W1", .none, .none, rows, d, f, blocks),
      ("∂W_out = dStreamᵀ·context", .transposed, .transposed, d, d, rows, blocks),
      ("∂contextᵀ = W_outᵀ·dStreamᵀ", .transposed, .transposed, d, rows, d, blocks),
      ("∂W_in = dQKVᵀ·y1", .none, .none, 3 * d, d, rows, blocks),
      ("∂y1 = dQKV·W_in", .transposed, .none, rows, d, 3 * d, blocks),
    ]
  }

  /// The GRU's products. Token inputs: the input side works on the V embedding rows (see
  /// Network+Training.swift).
  static func gru(hidden h: Int, batch b: Int) -> [Product] {
    let t = 7, e = 32, c = 5, v = 7, gh = 3 * h, rows = t * b
    return [
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
  }

  static func time(_ shapes: [Product], peak: Double) {
    print("product".padding(toLength: 34, withPad: " ", startingAt: 0)
      + "     m     n     k  calls    µs total  GFLOP/s  % peak")
    var total = 0.0
    for (name, ta, tb, m, n, k, calls) in shapes {
      let aCount = m * k, bCount = k * n
      // Operands start cache lines, as the network's weights and workspaces do (a Swift array's
      // elements need not: OpenBLAS's small kernels then run up to 1.5× slower, at random).
      let a = AlignedFloats(repeating: 0.01, count: aCount), bb = AlignedFloats(repeating: 0.02, count: bCount)
      var cc = AlignedFloats(repeating: 0, count: m * n)
      let lda = ta == .none ? k : m, ldb = tb == .none ? n : k
      let time = a.withUnsafeBufferPointer { a in
        bb.withUnsafeBufferPointer { bb in
          cc.withUnsafeMutableBufferPointer { cc in
            measure(minimumSeconds: 0.2) {
              for _ in 0..<calls {
                BLAS.gemm(ta, tb, m: m, n: n, k: k, a: a.baseAddress!, lda: lda, b: bb.baseAddress!,
                          ldb: ldb, beta: 1, c: cc.baseAddress!, ldc: n)
              }
            }.median
          }
        }
      }
      total += time
      let gflops = 2 * Double(m * n * k * calls) / time / 1e9
      print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
        + String(format: "%6d%6d%6d%7d%12.1f%9.1f%7.0f%%", m, n, k, calls, time * 1e6, gflops,
                 100 * gflops / peak))
    }
    print(String(format: "all products: %.3f ms", total * 1e3))
  }
}
