// The transformer's elementwise and row-wise kernels, each a forward and a backward:
//   LayerNorm (PyTorch's `nn.LayerNorm(D)`, eps 1e-5, biased variance) over rows of width D:
//     x̂ = (x − μ) · rstd, rstd = 1/√(σ² + eps);  y = x̂ ⊙ w + b
//     ∂x = rstd · (∂x̂ − mean(∂x̂) − x̂ · mean(∂x̂ ⊙ x̂)),  ∂x̂ = ∂y ⊙ w
//   GELU, exact (erf): g(x) = x/2 · (1 + erf(x/√2));  g'(x) = (1 + erf(x/√2))/2 + x · φ(x)
//   causal softmax over the rows of a (T × T) score matrix: row i over columns 0…i, zero beyond
//     ∂s_ij = a_ij (∂a_ij − Σ_k a_ik ∂a_ik)

import LinearAlgebra

package enum TransformerKernels {
  static let normEpsilon: Float = 1e-5

  /// y (R × D) = LayerNorm(x); keeps each row's mean and rstd.
  static func normForward(
    _ x: UnsafePointer<Float>, rows: Int, width d: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
  ) {
    let inverseWidth = 1 / Float(d)
    for r in 0..<rows {
      let xr = x + r * d, yr = y + r * d
      var sum: Float = 0
      for j in 0..<d { sum += xr[j] }
      let mu = sum * inverseWidth
      var squares: Float = 0
      for j in 0..<d {
        let c = xr[j] - mu
        squares += c * c
      }
      let s = 1 / (squares * inverseWidth + normEpsilon).squareRoot()
      mean[r] = mu
      rstd[r] = s
      var j = 0
      while j + Lanes.scalarCount <= d {
        normBlock(j, Lanes.scalarCount, xr, mu, s, weight, bias, yr)
        j += Lanes.scalarCount
      }
      if j < d { normBlock(j, d - j, xr, mu, s, weight, bias, yr) }
    }
  }

  @_transparent
  static func normBlock(
    _ j: Int, _ k: Int, _ x: UnsafePointer<Float>, _ mu: Float, _ s: Float,
    _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
  ) {
    let xhat = (Lanes.load(x + j, count: k) - mu) * s
    Activation.multiplyAdd(xhat, Lanes.load(w + j, count: k), Lanes.load(b + j, count: k))
      .store(to: y + j, count: k)
  }

  /// dx (R × D) += ∂loss/∂x of LayerNorm given dy; dWeight and dBias (D) accumulate.
  static func normBackward(
    _ x: UnsafePointer<Float>, rows: Int, width d: Int, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>
  ) {
    let inverseWidth = 1 / Float(d)
    for r in 0..<rows {
      let xr = x + r * d, dyr = dy + r * d, dxr = dx + r * d
      let mu = mean[r], s = rstd[r]
      // Σ ∂x̂ and Σ ∂x̂ ⊙ x̂ over the row, and the weight and bias gradients.
      var sumD: Float = 0, sumDX: Float = 0
      for j in 0..<d {
        let xhat = (xr[j] - mu) * s
        let dxhat = dyr[j] * weight[j]
        sumD += dxhat
        sumDX += dxhat * xhat
        dWeight[j] += dyr[j] * xhat
        dBias[j] += dyr[j]
      }
      let meanD = sumD * inverseWidth, meanDX = sumDX * inverseWidth
      for j in 0..<d {
        let xhat = (xr[j] - mu) * s
        dxr[j] += s * (dyr[j] * weight[j] - meanD - xhat * meanDX)
      }
    }
  }

  /// erf(x) lane by lane: x·P(x²)/Q(x²) on [−4, 4], ±1 beyond (where erf rounds to ±1 in
  /// Float32); the rational approximation of Eigen's and XLA's float erf, within a few ulp
  /// (checked against libm in TransformerKernelTests). libm's `erff` does not vectorise.
  @_transparent
  static func erf(_ x: Lanes) -> Lanes {
    let c = x.replacing(with: -4, where: x .< -4).replacing(with: 4, where: x .> 4)
    let z = c * c
    var p = Lanes(repeating: -2.726_142_258_013_06e-10)
    p = Activation.multiplyAdd(p, z, Lanes(repeating: 2.770_681_424_959_02e-08))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -2.101_024_020_825_08e-06))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -5.692_506_394_623_46e-05))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -7.349_906_303_268_55e-04))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -2.954_599_808_540_25e-03))
    p = Activation.multiplyAdd(p, z, Lanes(repeating: -1.609_603_332_624_15e-02))
    var q = Lanes(repeating: -1.456_607_184_649_96e-05)
    q = Activation.multiplyAdd(q, z, Lanes(repeating: -2.133_740_552_789_05e-04))
    q = Activation.multiplyAdd(q, z, Lanes(repeating: -1.682_826_974_382_03e-03))
    q = Activation.multiplyAdd(q, z, Lanes(repeating: -7.373_329_167_204_68e-03))
    q = Activation.multiplyAdd(q, z, Lanes(repeating: -1.426_473_905_141_89e-02))
    return c * p / q
  }

  /// gelu[i] = GELU(x[i]) for i in 0..<count.
  package static func geluForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + Lanes.scalarCount <= count {
      geluBlock(i, Lanes.scalarCount, x, y)
      i += Lanes.scalarCount
    }
    if i < count { geluBlock(i, count - i, x, y) }
  }

  @_transparent
  static func geluBlock(_ i: Int, _ k: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let v = Lanes.load(x + i, count: k)
    (0.5 * v * (1 + erf(v * 0.707_106_781_186_547_5))).store(to: y + i, count: k)
  }

  /// d[i] *= GELU'(x[i]).
  package static func geluBackward(_ x: UnsafePointer<Float>, gradient d: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + Lanes.scalarCount <= count {
      geluGradientBlock(i, Lanes.scalarCount, x, d)
      i += Lanes.scalarCount
    }
    if i < count { geluGradientBlock(i, count - i, x, d) }
  }

  @_transparent
  static func geluGradientBlock(
    _ i: Int, _ k: Int, _ x: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>
  ) {
    let v = Lanes.load(x + i, count: k)
    let cdf = 0.5 * (1 + erf(v * 0.707_106_781_186_547_5))
    let density = 0.398_942_280_401_432_7 * Activation.exp(-0.5 * v * v)
    (Lanes.load(d + i, count: k) * Activation.multiplyAdd(v, density, cdf)).store(to: d + i, count: k)
  }

  /// Row i of the (T × T) scores becomes the softmax of columns 0…i; columns beyond are zeroed.
  static func causalSoftmax(_ s: UnsafeMutablePointer<Float>, size t: Int) {
    for i in 0..<t { causalSoftmaxRow(s + i * t, row: i, size: t) }
  }

  /// Row i of `causalSoftmax`: softmax over columns 0…i, zero beyond.
  @inline(__always)
  static func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, row i: Int, size t: Int) {
    var top = row[0]
    for j in 0...i { top = max(top, row[j]) }
    var total: Float = 0
    for j in 0...i {
      let e = Activation.exp(row[j] - top)
      row[j] = e
      total += e
    }
    let inverse = 1 / total
    for j in 0...i { row[j] *= inverse }
    for j in (i + 1)..<max(i + 1, t) { row[j] = 0 }
  }

  /// ∂scores in place of ∂weights (T × T), given the weights `a` of `causalSoftmax`.
  static func causalSoftmaxBackward(
    _ a: UnsafePointer<Float>, gradient d: UnsafeMutablePointer<Float>, size t: Int
  ) {
    for i in 0..<t {
      let ar = a + i * t, dr = d + i * t
      var dot: Float = 0
      for j in 0...i { dot += ar[j] * dr[j] }
      for j in 0...i { dr[j] = ar[j] * (dr[j] - dot) }
      for j in (i + 1)..<t { dr[j] = 0 }
    }
  }

  /// Σ a[j]·b[j] over n floats, lanes first, then the tail.
  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var sum = Lanes()
    var j = 0
    while j + Lanes.scalarCount <= n {
      sum = Activation.multiplyAdd(Lanes.load(a + j, count: n - j), Lanes.load(b + j, count: n - j), sum)
      j += Lanes.scalarCount
    }
    var total = sum.sum()
    while j < n {
      total += a[j] * b[j]
      j += 1
    }
    return total
  }

  /// y[j] += α·x[j] over n floats.
  @inline(__always)
  static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = Lanes(repeating: alpha)
    var j = 0
    while j + Lanes.scalarCount <= n {
      Activation.multiplyAdd(a, Lanes.load(x + j, count: n - j), Lanes.load(y + j, count: n - j))
        .store(to: y + j, count: n - j)
      j += Lanes.scalarCount
    }
    while j < n {
      y[j] += alpha * x[j]
      j += 1
    }
  }

  /// One sequence and head of causal attention, as loops over the triangle j ≤ i: row i of the
  /// weights `probs` (T × T, zero beyond i) = softmax_j(q_i · k_j · scale), and context_i =
  /// Σ_j a_ij v_j. q, k, v rows are `stride` apart, context rows `contextStride`, each `width`
  /// wide.
  static func smallAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    probs: UnsafeMutablePointer<Float>, steps t: Int, width: Int, scale: Float,
    context: UnsafeMutablePointer<Float>, contextStride: Int
  ) {
    for i in 0..<t {
      let a = probs + i * t, qi = q + i * stride
      for j in 0...i { a[j] = scale * dot(qi, k + j * stride, width) }
      causalSoftmaxRow(a, row: i, size: t)
      let ci = context + i * contextStride
      ci.update(repeating: 0, count: width)
      for j in 0...i { axpy(a[j], v + j * stride, ci, width) }
    }
  }

  /// The backward of `smallAttention`: dq, dk, dv (rows `stride` apart; overwritten) from
  /// ∂context, with `dScores` (T × T) as scratch:
  ///   ∂a_ij = ∂c_i · v_j;  ∂v_j = Σ_i a_ij ∂c_i;  ∂s_ij = a_ij (∂a_ij − Σ_k a_ik ∂a_ik);
  ///   ∂q_i = scale Σ_j ∂s_ij k_j;  ∂k_j = scale Σ_i ∂s_ij q_i.
  static func smallAttentionBackward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    probs: UnsafePointer<Float>, steps t: Int, width: Int, scale: Float,
    dContext: UnsafePointer<Float>, contextStride: Int, dScores: UnsafeMutablePointer<Float>,
    dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<t {
      (dq + i * stride).update(repeating: 0, count: width)
      (dk + i * stride).update(repeating: 0, count: width)
      (dv + i * stride).update(repeating: 0, count: width)
    }
    for i in 0..<t {
      let a = probs + i * t, ds = dScores + i * t, dci = dContext + i * contextStride
      var weighted: Float = 0
      for j in 0...i {
        ds[j] = dot(dci, v + j * stride, width)
        axpy(a[j], dci, dv + j * stride, width)
        weighted += a[j] * ds[j]
      }
      let qi = q + i * stride, dqi = dq + i * stride
      for j in 0...i {
        let g = scale * a[j] * (ds[j] - weighted)
        axpy(g, k + j * stride, dqi, width)
        axpy(g, qi, dk + j * stride, width)
      }
    }
  }
}
