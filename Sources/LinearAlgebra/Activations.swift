// Elementwise nonlinearities in Float32, written so that the loops calling them vectorise:
// no calls into libm, no branches, only arithmetic, comparisons-as-selects and bit casts.
//
// Accuracy (checked against Foundation in LinearAlgebraTests): `exp` within 2 ulp on
// [-87, 88], `sigmoid` and `tanh` within 3e-7 absolute and 5 ulp relative.

public enum Activation {
  /// a·b + c, fused (one rounding) where the code generation has FMA (`TABOO_FMA`, arm64), else
  /// a product and a sum (a fused multiply-add without FMA instructions would be a libm call).
  @inlinable @inline(__always)
  public static func multiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
    #if TABOO_FMA || arch(arm64)
    c.addingProduct(a, b)
    #else
    a * b + c
    #endif
  }

  /// e^x for x in [-87.3, 88.3] (clamped outside; NaN stays NaN).
  ///
  /// Cody–Waite reduction: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial
  /// (Cephes `expf` coefficients), 2^n assembled in the exponent bits.
  @inlinable @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.3), 88.3)
    // Adding 1.5·2^23 rounds x/ln2 to the nearest integer and leaves it in the low mantissa bits.
    let shifter: Float = 12_582_912
    let t = multiplyAdd(clamped, 1.442_695_04, shifter)
    let n = t - shifter
    let r = multiplyAdd(n, 2.121_944_4e-4, multiplyAdd(n, -0.693_359_375, clamped))
    var p: Float = 1.987_569_15e-4
    p = multiplyAdd(p, r, 1.398_199_95e-3)
    p = multiplyAdd(p, r, 8.333_451_9e-3)
    p = multiplyAdd(p, r, 4.166_579_59e-2)
    p = multiplyAdd(p, r, 1.666_666_55e-1)
    p = multiplyAdd(p, r, 5.000_000_12e-1)
    p = multiplyAdd(p, r * r, r) + 1
    let exponent = Int32(bitPattern: t.bitPattern &- shifter.bitPattern) &+ 127
    let scale = Float(bitPattern: UInt32(bitPattern: exponent << 23))
    return p * scale
  }

  /// The logistic function 1 / (1 + e^−x).
  @inlinable @inline(__always)
  public static func sigmoid(_ x: Float) -> Float {
    1 / (1 + exp(-x))
  }

  /// The hyperbolic tangent: an odd polynomial for |x| < 0.625 (Cephes `tanhf`), where
  /// 1 − 2/(e^2|x| + 1) would lose relative accuracy, that formula elsewhere.
  @inlinable @inline(__always)
  public static func tanh(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let z = x * x
    var p: Float = -5.704_988_72e-3
    p = multiplyAdd(p, z, 2.063_908_88e-2)
    p = multiplyAdd(p, z, -5.373_971_55e-2)
    p = multiplyAdd(p, z, 1.333_144_22e-1)
    p = multiplyAdd(p, z, -3.333_328_19e-1)
    let small = multiplyAdd(p * z, x, x)
    let large = 1 - 2 / (exp(2 * a) + 1)
    let signedLarge = x < 0 ? -large : large
    return a < 0.625 ? small : signedLarge
  }
}

/// Elementwise loops over raw Float32 buffers.
public enum Vector {
  /// `y[i] = tanh(x[i])` for i in 0..<count (y may alias x).
  @inlinable
  public static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for i in stride(from: 0, to: count, by: Lanes.scalarCount) {
      Activation.tanh(Lanes.load(x + i, count: count - i)).store(to: y + i, count: count - i)
    }
  }

  /// `y[i] = sigmoid(x[i])` for i in 0..<count (y may alias x).
  @inlinable
  public static func sigmoid(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int
  ) {
    for i in stride(from: 0, to: count, by: Lanes.scalarCount) {
      Activation.sigmoid(Lanes.load(x + i, count: count - i)).store(to: y + i, count: count - i)
    }
  }

  /// `y[i] += x[i]`.
  @inlinable
  public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
  }

  /// Adds the row vector `bias` (length `columns`) to every row of the (rows × columns) matrix `y`.
  @inlinable
  public static func addRow(
    _ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, columns: Int
  ) {
    for r in 0..<rows {
      let row = y + r * columns
      for c in 0..<columns { row[c] += bias[c] }
    }
  }

  /// `out[c] += Σ_r y[r, c]`: column sums of a (rows × columns) matrix, accumulated.
  @inlinable
  public static func addColumnSums(
    of y: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let row = y + r * columns
      for c in 0..<columns { out[c] += row[c] }
    }
  }

  /// Σ x[i]² accumulated in Double, for norms that must not depend on summation luck.
  @inlinable
  public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var total: Double = 0
    var i = 0
    // Float partial sums over blocks of 4096, one per lane, folded into Double: fast and
    // accurate enough. (A single Float accumulator keeps the loop scalar, one add per 4 cycles.)
    while i < count {
      let end = Swift.min(count, i + 4096)
      var partial = Lanes()
      while i + Lanes.scalarCount <= end {
        let v = Lanes.load(x + i, count: Lanes.scalarCount)
        partial = Activation.multiplyAdd(v, v, partial)
        i += Lanes.scalarCount
      }
      if i < end {
        let v = Lanes.load(x + i, count: end - i)
        partial = Activation.multiplyAdd(v, v, partial)
        i = end
      }
      for lane in 0..<Lanes.scalarCount { total += Double(partial[lane]) }
    }
    return total
  }
}
