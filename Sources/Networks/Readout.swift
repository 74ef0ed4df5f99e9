// Linear readout and softmax cross-entropy.
//   logits (R, C) = h (R, H) · head_Wᵀ + head_b, R = T·B (every position) or B (last position)
//   loss = mean over supervised rows of −log softmax(logits)[target]
//   ∂loss/∂logits = (softmax − onehot(target)) / N for supervised rows, 0 for the others

import Specification
import Foundation
import LinearAlgebra

enum Readout {
  /// Writes the logits of `rows` hidden states into `logits` and their softmax into `probs`;
  /// returns the summed loss and the number of supervised rows (target ≥ 0).
  static func forward(
    hidden: UnsafePointer<Float>, rows: Int, h: Int, classes c: Int,
    weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
    logits: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>
  ) -> (loss: Double, supervised: Int) {
    for r in 0..<rows { (logits + r * c).update(from: bias, count: c) }
    BLAS.gemm(.none, .transposed, m: rows, n: c, k: h, a: hidden, lda: h, b: weights, ldb: h,
              beta: 1, c: logits, ldc: c)
    probs.update(from: logits, count: rows * c)
    var loss: Double = 0
    var supervised = 0
    // Σ_r log(total_r) as the log of running products (each total is in [1, C]), taken whenever
    // the product passes 1e100, so it never overflows: one log call per ~100 rows, not per row.
    var product: Double = 1
    for r in 0..<rows {
      let row = probs + r * c
      var top = row[0]
      for k in 1..<c { top = max(top, row[k]) }
      let target = Int(targets[r])
      // −log p_target = log Σ_k e^(l_k − top) − (l_target − top)
      let shiftedTarget = target >= 0 ? row[target] - top : 0
      var total: Float = 0
      for k in 0..<c {
        let e = Activation.exp(row[k] - top)
        row[k] = e
        total += e
      }
      if target >= 0 {
        product *= Double(total)
        if product > 1e100 {
          loss += log(product)
          product = 1
        }
        loss -= Double(shiftedTarget)
        supervised += 1
      }
      let inverse = 1 / total
      for k in 0..<c { row[k] *= inverse }
    }
    return (loss + log(product), supervised)
  }

  /// ∂loss/∂logits into `dLogits`, given the softmax rows; `scale` is 1/N.
  static func lossGradient(
    probs: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int, classes c: Int,
    scale: Float, dLogits: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let target = Int(targets[r])
      let p = probs + r * c, d = dLogits + r * c
      guard target >= 0 else {
        d.update(repeating: 0, count: c)
        continue
      }
      for k in 0..<c { d[k] = p[k] * scale }
      d[target] -= scale
    }
  }
}
