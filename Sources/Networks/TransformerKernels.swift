// The transformer's elementwise and row-wise kernels, each a forward and a backward:
//   LayerNorm (PyTorch's `nn.LayerNorm(D)`, eps 1e-5, biased variance) over rows of width D:
//     x̂ = (x − μ) · rstd, rstd = 1/√(σ² + eps);  y = x̂ ⊙ w + b
//     ∂x = rstd · (∂x̂ − mean(∂x̂) − x̂ · mean(∂x̂ ⊙ x̂)),  ∂x̂ = ∂y ⊙ w
//   GELU, exact (erf): g(x) = x/2 · (1 + erf(x/√2));  g'(x) = (1 + erf(x/√2))/2 + x · φ(x)
//   causal attention of one head (softmax over the positions j ≤ i), for all sequences at once
//     a_ij = softmax_j(scale · q_i · k_j),  c_i = Σ_j a_ij v_j;  ∂s_ij = scale · a_ij (∂a_ij − Σ_k a_ik ∂a_ik)

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

  /// y (R × D) = x + bias in every row.
  static func add(
    _ x: UnsafePointer<Float>, row bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
    rows: Int, width d: Int
  ) {
    for r in 0..<rows {
      let xr = x + r * d, yr = y + r * d
      var j = 0
      while j + Lanes.scalarCount <= d {
        (Lanes.load(xr + j, count: Lanes.scalarCount) + Lanes.load(bias + j, count: Lanes.scalarCount))
          .store(to: yr + j, count: Lanes.scalarCount)
        j += Lanes.scalarCount
      }
      while j < d {
        yr[j] = xr[j] + bias[j]
        j += 1
      }
    }
  }

  /// Σ x[i] over `count` floats, in Lanes partial sums, then the tail.
  static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var partial = Lanes()
    var i = 0
    while i + Lanes.scalarCount <= count {
      partial += Lanes.load(x + i, count: Lanes.scalarCount)
      i += Lanes.scalarCount
    }
    var total = partial.sum()
    while i < count {
      total += x[i]
      i += 1
    }
    return total
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

  /// Offset of row i in a causal triangle stored row by row (rows 0…i hold i(i+1)/2 entries).
  @_transparent
  package static func triangle(_ i: Int) -> Int { i * (i + 1) / 2 }

  /// The causal attention of every head and sequence, in the feature-major layout of
  /// Transformer.swift: qkvᵀ is (3D × R) and contextᵀ (D × R), feature c of position t of
  /// sequence s at c·R + t·B + s, head h's q, k and v in rows h·d, D + h·d and 2D + h·d on
  /// (d = D/heads). Every operation runs on Lanes of consecutive sequences, so nothing is reduced
  /// across lanes and no call is made per sequence. probs holds each head's weights a_ij (j ≤ i)
  /// as a triangle, entry (i, j) of head h and sequence s at (h·T(T+1)/2 + triangle(i) + j)·B + s.
  ///   a_ij = softmax over j ≤ i of scale · q_i · k_j;   context_i = Σ_{j ≤ i} a_ij v_j
  /// The sequences past the last full block of lanes (all of them when B < Lanes.scalarCount)
  /// are copied, as (head, sequence) pairs, into the lanes of padded blocks in `scratch`
  /// (`attentionScratch` floats), run there and copied back: at B = 2 the four heads' pairs
  /// fill one block of eight lanes where lane-by-lane loads made attention a quarter of the step.
  package static func attention(
    qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>,
    context: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    batch b: Int, steps t: Int, width d: Int, heads: Int
  ) {
    let hd = d / heads, r = t * b, tri = triangle(t), scale = 1 / Float(hd).squareRoot()
    let full = b - b % Lanes.scalarCount, ragged = b - full
    for h in 0..<heads {
      let q = qkv + h * hd * r, c = context + h * hd * r, a = probs + h * tri * b
      var s = 0
      while s < full {
        headAttentionBlock(q + s, q + d * r + s, q + 2 * d * r + s, a + s, c + s, r, b, t, hd, scale)
        s += Lanes.scalarCount
      }
    }
    guard ragged > 0 else { return }
    let pad = TailScratch(scratch, steps: t, width: hd)
    var first = 0
    while first < heads * ragged {
      let lanes = min(Lanes.scalarCount, heads * ragged - first)
      if lanes < Lanes.scalarCount { pad.clear() }
      for lane in 0..<lanes {
        let h = (first + lane) / ragged, s = full + (first + lane) % ragged
        let q = qkv + h * hd * r + s
        pad.gather(q, into: pad.q, lane: lane, rows: hd, batch: b, steps: t)
        pad.gather(q + d * r, into: pad.k, lane: lane, rows: hd, batch: b, steps: t)
        pad.gather(q + 2 * d * r, into: pad.v, lane: lane, rows: hd, batch: b, steps: t)
      }
      headAttentionBlock(pad.q, pad.k, pad.v, pad.probs, pad.context, pad.featureStride,
                         Lanes.scalarCount, t, hd, scale)
      for lane in 0..<lanes {
        let h = (first + lane) / ragged, s = full + (first + lane) % ragged
        pad.scatter(pad.context, lane: lane, to: context + h * hd * r + s, rows: hd, batch: b, steps: t)
        pad.scatterTriangle(pad.probs, lane: lane, to: probs + h * tri * b + s, batch: b, steps: t)
      }
      first += Lanes.scalarCount
    }
  }

  /// One full block of lanes of `attention`, for one head: features `fs` apart, positions `ps` apart (and
  /// triangle entries `ps` apart in probs).
  @inline(__always)
  static func headAttentionBlock(
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    _ probs: UnsafeMutablePointer<Float>, _ context: UnsafeMutablePointer<Float>,
    _ fs: Int, _ ps: Int, _ t: Int, _ hd: Int, _ scale: Float
  ) {
    let n = Lanes.scalarCount
    for i in 0..<t {
      let a = probs + triangle(i) * ps, qi = q + i * ps
      var top = Lanes(repeating: -.infinity)
      for j in 0...i {
        let kj = k + j * ps
        var score = Lanes()
        for c in 0..<hd {
          score = Activation.multiplyAdd(Lanes.load(qi + c * fs, count: n), Lanes.load(kj + c * fs, count: n), score)
        }
        score *= scale
        score.store(to: a + j * ps, count: n)
        top = top.replacing(with: score, where: score .> top)
      }
      var total = Lanes()
      for j in 0...i {
        let e = Activation.exp(Lanes.load(a + j * ps, count: n) - top)
        e.store(to: a + j * ps, count: n)
        total += e
      }
      let inverse = 1 / total
      for j in 0...i { (Lanes.load(a + j * ps, count: n) * inverse).store(to: a + j * ps, count: n) }
      let ci = context + i * ps
      for c in 0..<hd {
        let vc = v + c * fs
        var sum = Lanes()
        for j in 0...i {
          sum = Activation.multiplyAdd(Lanes.load(a + j * ps, count: n), Lanes.load(vc + j * ps, count: n), sum)
        }
        sum.store(to: ci + c * fs, count: n)
      }
    }
  }

  /// Floats of the scratch the attention kernels need for T positions and head width d: one
  /// block's ∂scores, and the padded copies of a ragged last block.
  package static func attentionScratch(steps t: Int, width hd: Int) -> Int {
    (2 * triangle(t) + 7 * hd * t) * Lanes.scalarCount
  }

  /// The backward of `attention`: dQKVᵀ (3D × R, overwritten) from ∂contextᵀ (D × R), with
  /// `scratch` (`attentionScratch` floats) for a block's ∂scores and the padded blocks:
  ///   ∂a_ij = ∂c_i · v_j;  ∂s_ij = scale · a_ij (∂a_ij − Σ_k a_ik ∂a_ik);
  ///   ∂q_i = Σ_{j ≤ i} ∂s_ij k_j;  ∂k_j = Σ_{i ≥ j} ∂s_ij q_i;  ∂v_j = Σ_{i ≥ j} a_ij ∂c_i.
  package static func attentionBackward(
    qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, dContext: UnsafePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, dQKV: UnsafeMutablePointer<Float>,
    batch b: Int, steps t: Int, width d: Int, heads: Int
  ) {
    let hd = d / heads, r = t * b, tri = triangle(t), scale = 1 / Float(hd).squareRoot()
    let full = b - b % Lanes.scalarCount, ragged = b - full, ds = scratch
    for h in 0..<heads {
      let q = qkv + h * hd * r, dq = dQKV + h * hd * r, dc = dContext + h * hd * r
      let a = probs + h * tri * b
      var s = 0
      while s < full {
        headAttentionBackwardBlock(
          q + s, q + d * r + s, q + 2 * d * r + s, a + s, dc + s, ds, dq + s, dq + d * r + s,
          dq + 2 * d * r + s, r, b, t, hd, scale)
        s += Lanes.scalarCount
      }
    }
    guard ragged > 0 else { return }
    let pad = TailScratch(scratch, steps: t, width: hd)
    var first = 0
    while first < heads * ragged {
      let lanes = min(Lanes.scalarCount, heads * ragged - first)
      if lanes < Lanes.scalarCount { pad.clear() }
      for lane in 0..<lanes {
        let h = (first + lane) / ragged, s = full + (first + lane) % ragged
        let q = qkv + h * hd * r + s
        pad.gather(q, into: pad.q, lane: lane, rows: hd, batch: b, steps: t)
        pad.gather(q + d * r, into: pad.k, lane: lane, rows: hd, batch: b, steps: t)
        pad.gather(q + 2 * d * r, into: pad.v, lane: lane, rows: hd, batch: b, steps: t)
        pad.gather(dContext + h * hd * r + s, into: pad.context, lane: lane, rows: hd, batch: b, steps: t)
        pad.gatherTriangle(probs + h * tri * b + s, lane: lane, batch: b, steps: t)
      }
      headAttentionBackwardBlock(
        pad.q, pad.k, pad.v, pad.probs, pad.context, ds, pad.dq, pad.dk, pad.dv, pad.featureStride,
        Lanes.scalarCount, t, hd, scale)
      for lane in 0..<lanes {
        let h = (first + lane) / ragged, s = full + (first + lane) % ragged
        let dq = dQKV + h * hd * r + s
        pad.scatter(pad.dq, lane: lane, to: dq, rows: hd, batch: b, steps: t)
        pad.scatter(pad.dk, lane: lane, to: dq + d * r, rows: hd, batch: b, steps: t)
        pad.scatter(pad.dv, lane: lane, to: dq + 2 * d * r, rows: hd, batch: b, steps: t)
      }
      first += Lanes.scalarCount
    }
  }

  /// One full block of lanes of `attentionBackward`, for one head; strides as in `headAttentionBlock`;
  /// `ds` holds the block's ∂scores, entry (i, j) at (triangle(i) + j)·Lanes.scalarCount.
  @inline(__always)
  static func headAttentionBackwardBlock(
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    _ probs: UnsafePointer<Float>, _ dContext: UnsafePointer<Float>,
    _ ds: UnsafeMutablePointer<Float>, _ dq: UnsafeMutablePointer<Float>,
    _ dk: UnsafeMutablePointer<Float>, _ dv: UnsafeMutablePointer<Float>,
    _ fs: Int, _ ps: Int, _ t: Int, _ hd: Int, _ scale: Float
  ) {
    let n = Lanes.scalarCount
    for i in 0..<t {
      let a = probs + triangle(i) * ps, dci = dContext + i * ps, dsi = ds + triangle(i) * n
      var weighted = Lanes()
      for j in 0...i {
        let vj = v + j * ps
        var da = Lanes()
        for c in 0..<hd {
          da = Activation.multiplyAdd(Lanes.load(dci + c * fs, count: n), Lanes.load(vj + c * fs, count: n), da)
        }
        da.store(to: dsi + j * n, count: n)
        weighted = Activation.multiplyAdd(Lanes.load(a + j * ps, count: n), da, weighted)
      }
      for j in 0...i {
        let g = scale * Lanes.load(a + j * ps, count: n) * (Lanes.load(dsi + j * n, count: n) - weighted)
        g.store(to: dsi + j * n, count: n)
      }
    }
    for i in 0..<t {
      let dsi = ds + triangle(i) * n
      for c in 0..<hd {
        let kc = k + c * fs
        var sum = Lanes()
        for j in 0...i {
          sum = Activation.multiplyAdd(Lanes.load(dsi + j * n, count: n), Lanes.load(kc + j * ps, count: n), sum)
        }
        sum.store(to: dq + c * fs + i * ps, count: n)
      }
    }
    for j in 0..<t {
      for c in 0..<hd {
        let qc = q + c * fs, dcc = dContext + c * fs
        var sumK = Lanes(), sumV = Lanes()
        for i in j..<t {
          sumK = Activation.multiplyAdd(
            Lanes.load(ds + (triangle(i) + j) * n, count: n), Lanes.load(qc + i * ps, count: n), sumK)
          sumV = Activation.multiplyAdd(
            Lanes.load(probs + (triangle(i) + j) * ps, count: n), Lanes.load(dcc + i * ps, count: n), sumV)
        }
        sumK.store(to: dk + c * fs + j * ps, count: n)
        sumV.store(to: dv + c * fs + j * ps, count: n)
      }
    }
  }
}

/// The padded blocks of (head, sequence) pairs inside the attention scratch (after a block's
/// ∂scores): q, k, v, context (or ∂context), dq, dk, dv as (d × T) blocks of Lanes, and probs as
/// a triangle of Lanes. A lane holds one pair; `clear` zeroes the inputs when some lanes stay
/// unused, so they compute on zeros (finite) and are never copied back.
struct TailScratch {
  let probs: UnsafeMutablePointer<Float>
  let q: UnsafeMutablePointer<Float>
  let k: UnsafeMutablePointer<Float>
  let v: UnsafeMutablePointer<Float>
  let context: UnsafeMutablePointer<Float>
  let dq: UnsafeMutablePointer<Float>
  let dk: UnsafeMutablePointer<Float>
  let dv: UnsafeMutablePointer<Float>
  /// Floats between features of a padded block (T positions of Lanes).
  let featureStride: Int

  init(_ scratch: UnsafeMutablePointer<Float>, steps t: Int, width hd: Int) {
    let tri = TransformerKernels.triangle(t)
    featureStride = t * Lanes.scalarCount
    let block = hd * featureStride
    probs = scratch + tri * Lanes.scalarCount
    q = probs + tri * Lanes.scalarCount
    k = q + block
    v = k + block
    context = v + block
    dq = context + block
    dk = dq + block
    dv = dk + block
  }

  /// Zeroes the inputs: probs, q, k, v and context.
  func clear() { probs.update(repeating: 0, count: probs.distance(to: dq)) }

  /// One sequence's `rows` features × T positions (source at its first, R = T·B apart by
  /// feature, B by position) into `lane` of a padded block.
  @inline(__always)
  func gather(
    _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, lane: Int, rows: Int,
    batch b: Int, steps t: Int
  ) {
    let r = t * b
    for c in 0..<rows {
      for i in 0..<t { target[c * featureStride + i * Lanes.scalarCount + lane] = source[c * r + i * b] }
    }
  }

  /// The inverse of `gather`.
  @inline(__always)
  func scatter(
    _ source: UnsafePointer<Float>, lane: Int, to target: UnsafeMutablePointer<Float>, rows: Int,
    batch b: Int, steps t: Int
  ) {
    let r = t * b
    for c in 0..<rows {
      for i in 0..<t { target[c * r + i * b] = source[c * featureStride + i * Lanes.scalarCount + lane] }
    }
  }

  /// One sequence's weights triangle (entries B apart) into `lane` of the padded probs.
  @inline(__always)
  func gatherTriangle(_ source: UnsafePointer<Float>, lane: Int, batch b: Int, steps t: Int) {
    for e in 0..<TransformerKernels.triangle(t) { probs[e * Lanes.scalarCount + lane] = source[e * b] }
  }

  /// The inverse of `gatherTriangle`.
  @inline(__always)
  func scatterTriangle(
    _ source: UnsafePointer<Float>, lane: Int, to target: UnsafeMutablePointer<Float>, batch b: Int,
    steps t: Int
  ) {
    for e in 0..<TransformerKernels.triangle(t) { target[e * b] = source[e * Lanes.scalarCount + lane] }
  }
}
