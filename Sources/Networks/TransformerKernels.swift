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

  /// y (R × D) = LayerNorm(x); keeps each row's mean and rstd. A row's sums run in Lanes partial
  /// sums (a single accumulator would chain D dependent additions: at D = 64 that made the norms a
  /// tenth of the B = 576 step).
  /// With `transposed`, y is also written there as yᵀ (D × R): y[r, j] at j·R + r.
  static func normForward(
    _ x: UnsafePointer<Float>, rows: Int, width d: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, transposed: UnsafeMutablePointer<Float>?,
    mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
  ) {
    let inverseWidth = 1 / Float(d), n = Lanes.scalarCount
    for r in 0..<rows {
      let xr = x + r * d, yr = y + r * d
      let mu = sum(xr, count: d) * inverseWidth
      var partial = Lanes()
      var j = 0
      while j + n <= d {
        let c = Lanes.load(xr + j, count: n) - mu
        partial = Activation.multiplyAdd(c, c, partial)
        j += n
      }
      if j < d {
        // Missing lanes load as zero: mask them out of the centred values.
        let c = (Lanes.load(xr + j, count: d - j) - mu).replacing(with: 0, where: Self.tailMask(d - j))
        partial = Activation.multiplyAdd(c, c, partial)
      }
      let s = 1 / (partial.sum() * inverseWidth + normEpsilon).squareRoot()
      mean[r] = mu
      rstd[r] = s
      j = 0
      while j + n <= d {
        normBlock(j, n, xr, mu, s, weight, bias, yr)
        j += n
      }
      if j < d { normBlock(j, d - j, xr, mu, s, weight, bias, yr) }
      if let transposed {
        for j in 0..<d { transposed[j * rows + r] = yr[j] }
      }
    }
  }

  /// The lanes at and past `count` (count < Lanes.scalarCount).
  @_transparent
  static func tailMask(_ count: Int) -> SIMDMask<Lanes.MaskStorage> {
    var lanes = Lanes.MaskStorage()
    for i in 0..<Lanes.scalarCount { lanes[i] = Int32(i) }
    return lanes .>= Lanes.MaskStorage(repeating: Int32(count))
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

  /// dx (R × D) += ∂loss/∂x of LayerNorm given dy; dWeight and dBias (D) accumulate, row by row.
  static func normBackward(
    _ x: UnsafePointer<Float>, rows: Int, width d: Int, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>
  ) {
    let inverseWidth = 1 / Float(d), n = Lanes.scalarCount
    for r in 0..<rows {
      let xr = x + r * d, dyr = dy + r * d, dxr = dx + r * d
      let mu = mean[r], s = rstd[r]
      // Σ ∂x̂ and Σ ∂x̂ ⊙ x̂ over the row (missing lanes of a tail load as zero ∂y, so they add
      // nothing), and the weight and bias gradients.
      var sumD = Lanes(), sumDX = Lanes()
      var j = 0
      while j + n <= d {
        normSumsBlock(j, n, xr, dyr, mu, s, weight, dWeight, dBias, &sumD, &sumDX)
        j += n
      }
      if j < d { normSumsBlock(j, d - j, xr, dyr, mu, s, weight, dWeight, dBias, &sumD, &sumDX) }
      let meanD = sumD.sum() * inverseWidth, meanDX = sumDX.sum() * inverseWidth
      j = 0
      while j + n <= d {
        normGradientBlock(j, n, xr, dyr, dxr, mu, s, weight, meanD, meanDX)
        j += n
      }
      if j < d { normGradientBlock(j, d - j, xr, dyr, dxr, mu, s, weight, meanD, meanDX) }
    }
  }

  @_transparent
  static func normSumsBlock(
    _ j: Int, _ k: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ mu: Float,
    _ s: Float, _ w: UnsafePointer<Float>, _ dWeight: UnsafeMutablePointer<Float>,
    _ dBias: UnsafeMutablePointer<Float>, _ sumD: inout Lanes, _ sumDX: inout Lanes
  ) {
    let xhat = (Lanes.load(x + j, count: k) - mu) * s
    let dyj = Lanes.load(dy + j, count: k)
    let dxhat = dyj * Lanes.load(w + j, count: k)
    sumD += dxhat
    sumDX = Activation.multiplyAdd(dxhat, xhat, sumDX)
    (Lanes.load(dWeight + j, count: k) + dyj * xhat).store(to: dWeight + j, count: k)
    (Lanes.load(dBias + j, count: k) + dyj).store(to: dBias + j, count: k)
  }

  @_transparent
  static func normGradientBlock(
    _ j: Int, _ k: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, _ mu: Float, _ s: Float, _ w: UnsafePointer<Float>,
    _ meanD: Float, _ meanDX: Float
  ) {
    let xhat = (Lanes.load(x + j, count: k) - mu) * s
    let dxhat = Lanes.load(dy + j, count: k) * Lanes.load(w + j, count: k)
    (Lanes.load(dx + j, count: k) + s * (dxhat - meanD - xhat * meanDX)).store(to: dx + j, count: k)
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
    // Each bound tests the value it clamps, so that each is one vmaxps / vminps (as in `exp`).
    let low = x.replacing(with: -4, where: x .< -4)
    let c = low.replacing(with: 4, where: low .> 4)
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

  /// For each of `rows` rows of width F: x ← x + bias (the first MLP layer's bias, added here
  /// rather than by the product: sgemm then writes x without reading it back, and the sum is the
  /// same float), gelu = GELU(x); with `keepingSlope`, x is then overwritten with GELU'(x), which
  /// is all the backward pass needs of it: the erf is evaluated once per element for both
  /// (recomputing it in the backward pass made GELU a sixth of the B = 576 step), and the
  /// backward pass is one multiplication. Without `keepingSlope`, x is left holding x + bias.
  package static func geluForward(
    _ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width f: Int,
    into y: UnsafeMutablePointer<Float>, keepingSlope: Bool
  ) {
    let n = Lanes.scalarCount
    for r in 0..<rows {
      let xr = x + r * f, yr = y + r * f
      var j = 0
      if keepingSlope {
        while j + n <= f {
          geluSlopeBlock(j, n, xr, bias, yr)
          j += n
        }
        if j < f { geluSlopeBlock(j, f - j, xr, bias, yr) }
      } else {
        while j + n <= f {
          geluBlock(j, n, xr, bias, yr)
          j += n
        }
        if j < f { geluBlock(j, f - j, xr, bias, yr) }
      }
    }
  }

  @_transparent
  static func geluBlock(
    _ j: Int, _ k: Int, _ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>
  ) {
    let v = Lanes.load(x + j, count: k) + Lanes.load(bias + j, count: k)
    v.store(to: x + j, count: k)
    (0.5 * v * (1 + erf(v * 0.707_106_781_186_547_5))).store(to: y + j, count: k)
  }

  /// GELU into y, GELU' = Φ(x) + x·φ(x) over x.
  @_transparent
  static func geluSlopeBlock(
    _ j: Int, _ k: Int, _ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>
  ) {
    let v = Lanes.load(x + j, count: k) + Lanes.load(bias + j, count: k)
    let e = erf(v * 0.707_106_781_186_547_5)
    (0.5 * v * (1 + e)).store(to: y + j, count: k)
    let cdf = 0.5 * (1 + e)
    let density = 0.398_942_280_401_432_7 * Activation.exp(-0.5 * v * v)
    Activation.multiplyAdd(v, density, cdf).store(to: x + j, count: k)
  }

  /// d[i] *= slope[i]: the backward of GELU, from the slopes `geluForward` kept.
  package static func geluBackward(slope: UnsafePointer<Float>, gradient d: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + Lanes.scalarCount <= count {
      (Lanes.load(d + i, count: Lanes.scalarCount) * Lanes.load(slope + i, count: Lanes.scalarCount))
        .store(to: d + i, count: Lanes.scalarCount)
      i += Lanes.scalarCount
    }
    while i < count {
      d[i] *= slope[i]
      i += 1
    }
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
  /// The padded q, k, v and weights stay in `scratch` for `attentionBackward` of the same pass,
  /// which then copies in only ∂context.
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
    let pad = TailScratch(scratch, steps: t, width: hd, batch: b)
    pad.forEachBlock(heads: heads, ragged: ragged, full: full, triangle: tri) { lanes in
      let kept = pad.kept(lanes.block)
      pad.gather(qkv, lanes, into: kept.q)
      pad.gather(qkv + d * r, lanes, into: kept.k)
      pad.gather(qkv + 2 * d * r, lanes, into: kept.v)
      headAttentionBlock(kept.q, kept.k, kept.v, kept.probs, pad.context, pad.featureStride,
                         Lanes.scalarCount, t, hd, scale)
      pad.scatter(pad.context, lanes, to: context)
      pad.scatterTriangle(kept.probs, lanes, to: probs)
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
    // Pointers step through the operands (no index arithmetic, and so no overflow checks, in
    // the inner loops); the sums run in the order of the formulas.
    let n = Lanes.scalarCount
    var a = probs, qi = q, ci = context
    for i in 0..<t {
      var top = Lanes(repeating: -.infinity)
      var kj = k
      for j in 0...i {
        var score = dot(qi, kj, fs, hd)
        score *= scale
        score.store(to: a + j &* ps, count: n)
        top = top.replacing(with: score, where: score .> top)
        kj += ps
      }
      var total = Lanes()
      for j in 0...i {
        let e = Activation.exp(Lanes.load(a + j &* ps, count: n) - top)
        e.store(to: a + j &* ps, count: n)
        total += e
      }
      let inverse = 1 / total
      for j in 0...i { (Lanes.load(a + j &* ps, count: n) * inverse).store(to: a + j &* ps, count: n) }
      weightedSums(a, weightStride: ps, v, positions: i &+ 1, fs, ps, hd, into: ci)
      a += (i &+ 1) &* ps
      qi += ps
      ci += ps
    }
  }

  /// Σ_c a_c b_c over the hd features c, `fs` apart in both (c in order): a score q_i · k_j, or
  /// ∂a_ij = ∂c_i · v_j.
  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ fs: Int, _ hd: Int) -> Lanes {
    let n = Lanes.scalarCount
    var sum = Lanes()
    var ac = a, bc = b
    for _ in 0..<hd {
      sum = Activation.multiplyAdd(Lanes.load(ac, count: n), Lanes.load(bc, count: n), sum)
      ac += fs
      bc += fs
    }
    return sum
  }

  /// out_c = Σ_j w_j x_jc over positions j = 0 ..< `positions` (in that order), for each of the
  /// hd features c: the weights `weightStride` apart, x's positions `ps` and features `fs` apart,
  /// out's features `fs` apart. A context row (weights a_ij, x = v) and a ∂q row (∂s_ij, x = k).
  @inline(__always)
  static func weightedSums(
    _ w: UnsafePointer<Float>, weightStride: Int, _ x: UnsafePointer<Float>, positions: Int,
    _ fs: Int, _ ps: Int, _ hd: Int, into out: UnsafeMutablePointer<Float>
  ) {
    let n = Lanes.scalarCount
    var xc = x, oc = out
    for _ in 0..<hd {
      var sum = Lanes()
      var wj = w, xj = xc
      for _ in 0..<positions {
        sum = Activation.multiplyAdd(Lanes.load(wj, count: n), Lanes.load(xj, count: n), sum)
        wj += weightStride
        xj += ps
      }
      sum.store(to: oc, count: n)
      xc += fs
      oc += fs
    }
  }

  /// Floats of the scratch the attention kernels need for T positions, head width d and `heads`
  /// heads: one block's ∂scores, context and dq, dk, dv, and the q, k, v and weights of every
  /// padded block a pass can have (at most `heads`: fewer than Lanes.scalarCount ragged
  /// sequences per head).
  package static func attentionScratch(steps t: Int, width hd: Int, heads: Int) -> Int {
    TailScratch.sharedFloats(steps: t, width: hd) + heads * TailScratch.keptFloats(steps: t, width: hd)
  }

  /// The backward of `attention`: dQKVᵀ (3D × R, overwritten) from ∂contextᵀ (D × R), with
  /// `scratch` (`attentionScratch` floats) for a block's ∂scores and the padded blocks, as the
  /// forward pass of the same qkv and probs left it:
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
    let pad = TailScratch(scratch, steps: t, width: hd, batch: b)
    pad.forEachBlock(heads: heads, ragged: ragged, full: full, triangle: tri) { lanes in
      let kept = pad.kept(lanes.block)
      pad.gather(dContext, lanes, into: pad.context)
      headAttentionBackwardBlock(
        kept.q, kept.k, kept.v, kept.probs, pad.context, ds, pad.dq, pad.dk, pad.dv,
        pad.featureStride, Lanes.scalarCount, t, hd, scale)
      pad.scatter(pad.dq, lanes, to: dQKV)
      pad.scatter(pad.dk, lanes, to: dQKV + d * r)
      pad.scatter(pad.dv, lanes, to: dQKV + 2 * d * r)
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
    // Pointer stepping as in headAttentionBlock; row i of a triangle starts triangle(i) entries
    // in, so the entries (i, j) of a column j lie i + 1 entries apart from row i to i + 1.
    let n = Lanes.scalarCount
    for i in 0..<t {
      let a = probs + triangle(i) &* ps, dci = dContext + i &* ps, dsi = ds + triangle(i) &* n
      var weighted = Lanes()
      var vj = v
      for j in 0...i {
        let da = dot(dci, vj, fs, hd)
        da.store(to: dsi + j &* n, count: n)
        weighted = Activation.multiplyAdd(Lanes.load(a + j &* ps, count: n), da, weighted)
        vj += ps
      }
      for j in 0...i {
        let g = scale * Lanes.load(a + j &* ps, count: n) * (Lanes.load(dsi + j &* n, count: n) - weighted)
        g.store(to: dsi + j &* n, count: n)
      }
    }
    var dsi = UnsafePointer(ds)
    for i in 0..<t {
      weightedSums(dsi, weightStride: n, k, positions: i &+ 1, fs, ps, hd, into: dq + i &* ps)
      dsi += (i &+ 1) &* n
    }
    for j in 0..<t {
      let start = triangle(j) &+ j
      var qc = q + j &* ps, dcc = dContext + j &* ps
      var dkc = dk + j &* ps, dvc = dv + j &* ps
      for _ in 0..<hd {
        var sumK = Lanes(), sumV = Lanes()
        var dsij = UnsafePointer(ds) + start &* n, aij = probs + start &* ps
        var qi = qc, dci = dcc
        var i = j
        while i < t {
          sumK = Activation.multiplyAdd(Lanes.load(dsij, count: n), Lanes.load(qi, count: n), sumK)
          sumV = Activation.multiplyAdd(Lanes.load(aij, count: n), Lanes.load(dci, count: n), sumV)
          i &+= 1
          dsij += i &* n
          aij += i &* ps
          qi += ps
          dci += ps
        }
        sumK.store(to: dkc, count: n)
        sumV.store(to: dvc, count: n)
        qc += fs
        dcc += fs
        dkc += fs
        dvc += fs
      }
    }
  }
}

/// The padded blocks of (head, sequence) pairs inside the attention scratch: first what one
/// block needs while it runs (its ∂scores, context or ∂context, dq, dk, dv as (d × T) blocks of
/// Lanes), then for every block of the pass what the backward pass reads again (its weights as a
/// triangle of Lanes, and q, k, v), kept from the forward pass. A lane holds one pair. The copies
/// in and out go a whole vector at a time: every lane reads or writes the same element of its
/// own pair, at that element's offset plus the pair's (`PaddedLanes`). Unused lanes of a last
/// block gather zeros (finite) and are never scattered.
struct TailScratch {
  let context: UnsafeMutablePointer<Float>
  let dq: UnsafeMutablePointer<Float>
  let dk: UnsafeMutablePointer<Float>
  let dv: UnsafeMutablePointer<Float>
  let keptStart: UnsafeMutablePointer<Float>
  /// Floats between features of a padded block (T positions of Lanes).
  let featureStride: Int
  let batch: Int
  let steps: Int
  let width: Int

  init(_ scratch: UnsafeMutablePointer<Float>, steps t: Int, width hd: Int, batch b: Int) {
    featureStride = t * Lanes.scalarCount
    batch = b
    steps = t
    width = hd
    let block = hd * featureStride
    context = scratch + TransformerKernels.triangle(t) * Lanes.scalarCount
    dq = context + block
    dk = dq + block
    dv = dk + block
    keptStart = dv + block
  }

  /// Floats of a block's ∂scores, context, dq, dk and dv.
  static func sharedFloats(steps t: Int, width hd: Int) -> Int {
    (TransformerKernels.triangle(t) + 4 * hd * t) * Lanes.scalarCount
  }

  /// Floats kept per padded block: its weights, q, k and v.
  static func keptFloats(steps t: Int, width hd: Int) -> Int {
    (TransformerKernels.triangle(t) + 3 * hd * t) * Lanes.scalarCount
  }

  /// The weights, q, k and v of padded block `index` of the pass.
  func kept(_ index: Int) -> (probs: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>,
                              k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
    let probs = keptStart + index * Self.keptFloats(steps: steps, width: width)
    let q = probs + TransformerKernels.triangle(steps) * Lanes.scalarCount
    let block = width * featureStride
    return (probs, q, q + block, q + 2 * block)
  }

  /// The pairs of one padded block: how many lanes are used, and each lane's offset from the
  /// start of a feature-major buffer (head h, sequence s: h·d·R + s) and of probs (h·T(T+1)/2·B + s).
  struct PaddedLanes {
    /// Which padded block of the pass, from 0.
    var block = 0
    var count = 0
    /// Lanes come in runs of this many consecutive offsets (the sequences of one head): 2 or 4
    /// when a full block holds whole runs of that length, else 1.
    var run = 1
    var features = PaddedLanes.Offsets()
    var triangles = PaddedLanes.Offsets()
    #if TABOO_AVX2
    typealias Offsets = SIMD8<Int>
    #else
    typealias Offsets = SIMD16<Int>
    #endif
  }

  /// Calls `body` for each padded block of the (head, sequence) pairs of the sequences past
  /// `full`, pair p = (head p / ragged, sequence full + p % ragged).
  @inline(__always)
  func forEachBlock(heads: Int, ragged: Int, full: Int, triangle tri: Int, _ body: (PaddedLanes) -> Void) {
    let r = steps * batch
    var first = 0
    while first < heads * ragged {
      var lanes = PaddedLanes()
      lanes.block = first / Lanes.scalarCount
      lanes.count = min(Lanes.scalarCount, heads * ragged - first)
      if lanes.count == Lanes.scalarCount && (ragged == 2 || ragged == 4) { lanes.run = ragged }
      for lane in 0..<lanes.count {
        let h = (first + lane) / ragged, s = full + (first + lane) % ragged
        lanes.features[lane] = h * width * r + s
        lanes.triangles[lane] = h * tri * batch + s
      }
      body(lanes)
      first += Lanes.scalarCount
    }
  }

  /// One (d × T) block of each lane's pair from a feature-major buffer (R = T·B apart by
  /// feature, B by position) into a padded block.
  @inline(__always)
  func gather(_ source: UnsafePointer<Float>, _ lanes: PaddedLanes, into target: UnsafeMutablePointer<Float>) {
    let r = steps * batch
    for c in 0..<width {
      for i in 0..<steps {
        load(source + c * r + i * batch, lanes.features, lanes.count, run: lanes.run)
          .store(to: target + c * featureStride + i * Lanes.scalarCount, count: Lanes.scalarCount)
      }
    }
  }

  /// The inverse of `gather`.
  @inline(__always)
  func scatter(_ source: UnsafePointer<Float>, _ lanes: PaddedLanes, to target: UnsafeMutablePointer<Float>) {
    let r = steps * batch
    for c in 0..<width {
      for i in 0..<steps {
        store(Lanes.load(source + c * featureStride + i * Lanes.scalarCount, count: Lanes.scalarCount),
              to: target + c * r + i * batch, lanes.features, lanes.count, run: lanes.run)
      }
    }
  }

  /// Each lane's weights triangle from the padded `source` into probs (entries B apart).
  @inline(__always)
  func scatterTriangle(_ source: UnsafePointer<Float>, _ lanes: PaddedLanes, to target: UnsafeMutablePointer<Float>) {
    for e in 0..<TransformerKernels.triangle(steps) {
      store(Lanes.load(source + e * Lanes.scalarCount, count: Lanes.scalarCount),
            to: target + e * batch, lanes.triangles, lanes.count, run: lanes.run)
    }
  }

  /// base[offsets[lane]] in each used lane, zero in the others; runs of 2 or 4 lanes as one load.
  @_transparent
  func load(_ base: UnsafePointer<Float>, _ offsets: PaddedLanes.Offsets, _ count: Int, run: Int) -> Lanes {
    #if TABOO_AVX2
    if run == 2 {
      func pair(_ lane: Int) -> SIMD2<Float> {
        UnsafeRawPointer(base + offsets[lane]).loadUnaligned(as: SIMD2<Float>.self)
      }
      return Lanes(lowHalf: SIMD4(lowHalf: pair(0), highHalf: pair(2)),
                   highHalf: SIMD4(lowHalf: pair(4), highHalf: pair(6)))
    }
    if run == 4 {
      func quad(_ lane: Int) -> SIMD4<Float> {
        UnsafeRawPointer(base + offsets[lane]).loadUnaligned(as: SIMD4<Float>.self)
      }
      return Lanes(lowHalf: quad(0), highHalf: quad(4))
    }
    #endif
    var v = Lanes()
    if count == Lanes.scalarCount {
      for lane in 0..<Lanes.scalarCount { v[lane] = base[offsets[lane]] }
    } else {
      for lane in 0..<count { v[lane] = base[offsets[lane]] }
    }
    return v
  }

  /// base[offsets[lane]] = v[lane] for each used lane; runs of 2 or 4 lanes as one store.
  @_transparent
  func store(_ v: Lanes, to base: UnsafeMutablePointer<Float>, _ offsets: PaddedLanes.Offsets, _ count: Int,
             run: Int) {
    #if TABOO_AVX2
    if run == 2 {
      for lane in stride(from: 0, to: Lanes.scalarCount, by: 2) {
        UnsafeMutableRawPointer(base + offsets[lane]).storeBytes(of: SIMD2(v[lane], v[lane + 1]), as: SIMD2<Float>.self)
      }
      return
    }
    if run == 4 {
      UnsafeMutableRawPointer(base + offsets[0]).storeBytes(of: v.lowHalf, as: SIMD4<Float>.self)
      UnsafeMutableRawPointer(base + offsets[4]).storeBytes(of: v.highHalf, as: SIMD4<Float>.self)
      return
    }
    #endif
    if count == Lanes.scalarCount {
      for lane in 0..<Lanes.scalarCount { base[offsets[lane]] = v[lane] }
    } else {
      for lane in 0..<count { base[offsets[lane]] = v[lane] }
    }
  }
}
