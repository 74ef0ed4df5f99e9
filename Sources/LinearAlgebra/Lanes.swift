// Eight or sixteen Float32 lanes at a time (see `Lanes`): the activations of Activations.swift on
// SIMD vectors, plus loads and stores that handle a ragged tail, so each gate loop is written once.
// The kernels call their per-block function (marked @_transparent, so always inlined) with the
// constant Lanes.scalarCount for the full blocks, where the ragged branches fold away, and once
// more for the tail; a closure-taking helper for this was outlined by the optimizer.

/// The vector type of the elementwise kernels. With AVX2 code generation (`TABOO_AVX2`, set by
/// Package.swift on x86-64 Linux) eight lanes are one ymm register and every operation, selects
/// included, is one instruction. For baseline x86-64 code sixteen lanes measured fastest on this
/// project's machines: 4 lanes ran 1.7× slower, 8 lanes 1.2–1.4× slower, 32 fell back to scalar.
#if TABOO_AVX2
public typealias Lanes = SIMD8<Float>
#else
public typealias Lanes = SIMD16<Float>
#endif

extension Lanes {
  /// Loads `min(count, Lanes.scalarCount)` values from `p`; missing lanes are zero.
  @_transparent
  public static func load(_ p: UnsafePointer<Float>, count: Int) -> Lanes {
    if count >= Lanes.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
    var v = Lanes()
    for i in 0..<count { v[i] = p[i] }
    return v
  }

  /// Stores the first `min(count, Lanes.scalarCount)` lanes to `p`.
  @_transparent
  public func store(to p: UnsafeMutablePointer<Float>, count: Int) {
    if count >= Lanes.scalarCount {
      UnsafeMutableRawPointer(p).storeBytes(of: self, as: Lanes.self)
      return
    }
    for i in 0..<count { p[i] = self[i] }
  }
}

extension Activation {
  /// a·b + c, fused (one rounding) where the code generation has FMA (`TABOO_FMA`, arm64), else
  /// a product and a sum. The scalar kernels use the same rule, so lanes and scalars agree.
  @_transparent
  public static func multiplyAdd(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes {
    #if TABOO_FMA || arch(arm64)
    c.addingProduct(a, b)
    #else
    a * b + c
    #endif
  }

  /// √|x| lane by lane. Written per lane on the magnitude because that form compiles to one
  /// vector square root; `Lanes.squareRoot()` and `Float.squareRoot()` become a libm call per
  /// lane (they keep errno for negative inputs).
  @_transparent
  public static func squareRoot(ofMagnitude x: Lanes) -> Lanes {
    var result = Lanes()
    for i in 0..<Lanes.scalarCount { result[i] = Swift.abs(x[i]).squareRoot() }
    return result
  }

  /// e^x lane by lane; same algorithm and accuracy as the scalar `exp`, NaN stays NaN.
  @_transparent
  public static func exp(_ x: Lanes) -> Lanes {
    // Each bound tests the value it clamps (not x), so that each is one vmaxps / vminps.
    let low = x.replacing(with: -87.3, where: x .< -87.3)
    let clamped = low.replacing(with: 88.3, where: low .> 88.3)
    let shifter = Lanes(repeating: 12_582_912)
    let t = Activation.multiplyAdd(clamped, Lanes(repeating: 1.442_695_04), shifter)
    let n = t - shifter
    let r = Activation.multiplyAdd(
      n, Lanes(repeating: 2.121_944_4e-4), Activation.multiplyAdd(n, Lanes(repeating: -0.693_359_375), clamped))
    var p = Lanes(repeating: 1.987_569_15e-4)
    p = Activation.multiplyAdd(p, r, Lanes(repeating: 1.398_199_95e-3))
    p = Activation.multiplyAdd(p, r, Lanes(repeating: 8.333_451_9e-3))
    p = Activation.multiplyAdd(p, r, Lanes(repeating: 4.166_579_59e-2))
    p = Activation.multiplyAdd(p, r, Lanes(repeating: 1.666_666_55e-1))
    p = Activation.multiplyAdd(p, r, Lanes(repeating: 5.000_000_12e-1))
    p = Activation.multiplyAdd(p, r * r, r) + 1
    let bits = unsafeBitCast(t, to: Lanes.MaskStorage.self) &- unsafeBitCast(shifter, to: Lanes.MaskStorage.self)
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Lanes.self)
    return p * scale
  }

  @_transparent
  public static func sigmoid(_ x: Lanes) -> Lanes {
    1 / (1 + exp(-x))
  }

  @_transparent
  public static func tanh(_ x: Lanes) -> Lanes {
    let negative = x .< 0
    let a = x.replacing(with: -x, where: negative)
    let z = x * x
    var p = Lanes(repeating: -5.704_988_72e-3)
    p = Activation.multiplyAdd(p, z, Lanes(repeating: 2.063_908_88e-2))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -5.373_971_55e-2))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: 1.333_144_22e-1))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -3.333_328_19e-1))
    let small = Activation.multiplyAdd(p * z, x, x)
    let large = 1 - 2 / (exp(2 * a) + 1)
    let signedLarge = large.replacing(with: -large, where: negative)
    return signedLarge.replacing(with: small, where: a .< 0.625)
  }
}
