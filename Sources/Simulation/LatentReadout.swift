// Latent probes (docs/design.md §6.9): how well an answer can be read linearly from the hidden
// state at the answer position. A ridge regression onto one-hot answers, fitted on the run's
// fit half of the probed items and scored, by argmax, on the other half. Deterministic: every
// sum runs in a fixed order in Double.

import Randomness

/// A ridge-regression linear readout from d features (plus an unpenalised bias) to C classes.
public struct LatentReadout: Sendable {
  /// λ of the penalty λ‖W‖² (the bias excluded), against the squared error summed over the
  /// fitted items: fixed, so that readouts are comparable across probes, phases and runs.
  public static let ridge = 1.0

  /// (d + 1) × C weights, row-major; the last row is the bias.
  public let weights: [Double]
  public let features: Int
  public let classes: Int

  /// The readout that minimises Σᵢ ‖[xᵢ, 1] W − onehot(yᵢ)‖² + λ‖W without its bias row‖²;
  /// nil without any fitted item. `rows` holds n × d features, row-major.
  public init?(rows: [Float], labels: [Int32], features d: Int, classes c: Int) {
    let n = labels.count
    guard n > 0, rows.count == n * d else { return nil }
    let m = d + 1
    // A = XᵀX + λ·diag(1, …, 1, 0) and B = XᵀY, X with a column of ones.
    var a = [Double](repeating: 0, count: m * m)
    var b = [Double](repeating: 0, count: m * c)
    var x = [Double](repeating: 1, count: m)
    for i in 0..<n {
      for j in 0..<d { x[j] = Double(rows[i * d + j]) }
      for j in 0..<m {
        let xj = x[j]
        if xj == 0 { continue }
        for k in j..<m { a[j * m + k] += xj * x[k] }
        b[j * c + Int(labels[i])] += xj
      }
    }
    for j in 0..<m { for k in 0..<j { a[j * m + k] = a[k * m + j] } }
    for j in 0..<d { a[j * m + j] += Self.ridge }
    guard let solved = Self.solve(a, b, size: m, columns: c) else { return nil }
    weights = solved
    features = d
    self.classes = c
  }

  /// The class of the largest score [x, 1] W (the lowest of equals).
  public func predict(_ row: [Float]) -> Int32 { row.withUnsafeBufferPointer { predict($0) } }

  /// The class of the largest score [x, 1] W (the lowest of equals).
  public func predict(_ row: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0, bestScore = -Double.infinity
    for k in 0..<classes {
      var score = weights[features * classes + k]
      for j in 0..<features { score += Double(row[j]) * weights[j * classes + k] }
      if score > bestScore { (best, bestScore) = (k, score) }
    }
    return Int32(best)
  }

  /// X with A X = B, A symmetric positive definite (m × m), B m × C, by Cholesky; nil if A is
  /// not positive definite (only when the bias column is all zero, which it never is).
  static func solve(_ a: [Double], _ b: [Double], size m: Int, columns c: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: m * m)
    for j in 0..<m {
      var diagonal = a[j * m + j]
      for k in 0..<j { diagonal -= l[j * m + k] * l[j * m + k] }
      guard diagonal > 0 else { return nil }
      let root = diagonal.squareRoot()
      l[j * m + j] = root
      for i in (j + 1)..<max(j + 1, m) {
        var value = a[i * m + j]
        for k in 0..<j { value -= l[i * m + k] * l[j * m + k] }
        l[i * m + j] = value / root
      }
    }
    var x = b
    for column in 0..<c {
      // L y = b, then Lᵀ x = y.
      for i in 0..<m {
        var value = x[i * c + column]
        for k in 0..<i { value -= l[i * m + k] * x[k * c + column] }
        x[i * c + column] = value / l[i * m + i]
      }
      for i in stride(from: m - 1, through: 0, by: -1) {
        var value = x[i * c + column]
        for k in (i + 1)..<max(i + 1, m) { value -= l[k * m + i] * x[k * c + column] }
        x[i * c + column] = value / l[i * m + i]
      }
    }
    return x
  }

  /// Which items are fitted (true) and which scored (false): each item in one half with
  /// probability ½, drawn once per run from the seed's stream `latent split`.
  public static func split(items: Int, seed: UInt64) -> [Bool] {
    var random = SeededGenerator(seed: seed, stream: "latent split")
    return (0..<items).map { _ in random.nextDouble() < 0.5 }
  }
}
