// Causal pre-norm transformer, PyTorch's `nn.TransformerEncoder` of
// `nn.TransformerEncoderLayer(D, heads, F, dropout=0, activation="gelu", norm_first=True)` with a
// final `nn.LayerNorm(D)`, under a causal mask:
//   x_0 = embedding[token] (or W_in x + b_in) + position[t]
//   per block:  x ← x + out_proj(attention(norm1(x)));  x ← x + linear2(GELU(linear1(norm2(x))))
//   y = norm(x), read out like the cells' h_t
//   attention: [q | k | v] = y1 W_inᵀ + b_in; per head (d = D/heads columns of each),
//   a = causal softmax(q kᵀ/√d), context = a v; heads side by side, then out_proj.
// Shapes as in TransformerWorkspace.swift (R = T·B time-major rows, head width d). A head's q, k
// and v of sequence b are (T × d) matrices inside qkv with row stride B·3D, so each head's
// products are single sgemm calls on strided views, without copies.

import Specification
import LinearAlgebra

enum Transformer {
  /// Fills the final norm's output (T, B, D) into `hs` from row B on, from the inputs the
  /// workspace holds (`tokens` or `x`).
  static func forward(
    _ w: UnsafePointer<Float>, layout: ParameterLayout, batch b: Int, steps t: Int,
    workspace ws: Workspace
  ) {
    let tl = layout.transformer!, s = ws.transformer!
    let d = tl.width, f = tl.sizes.feedForward, r = t * b, e = layout.shape.inputSize

    // x_0 (R, D): the token's embedding row or W_in x + b_in, plus the position's row.
    let x0 = s.xs, position = w + tl.position.lowerBound
    if ws.hadTokens {
      let embedding = w + layout.embedding.lowerBound
      for i in 0..<r {
        (x0 + i * d).update(from: embedding + Int(ws.tokens[i]) * d, count: d)
      }
    } else {
      for i in 0..<r { (x0 + i * d).update(from: w + layout.inputBias.lowerBound, count: d) }
      BLAS.gemm(.none, .transposed, m: r, n: d, k: e, a: ws.x, lda: e,
                b: w + layout.inputWeights.lowerBound, ldb: e, beta: 1, c: x0, ldc: d)
    }
    for step in 0..<t {
      for row in 0..<b { Vector.add(position + step * d, into: x0 + (step * b + row) * d, count: d) }
    }

    for (l, block) in tl.blocks.enumerated() {
      let x = s.xs + l * r * d, mid = s.mid + l * r * d, next = s.xs + (l + 1) * r * d
      let y1 = s.y1 + l * r * d, y2 = s.y2 + l * r * d, qkv = s.qkv + l * r * 3 * d
      let context = s.context + l * r * d
      let h1 = s.h1 + l * r * f, gelu = s.gelu + l * r * f
      // Attention half: mid = x + out_proj(attention(norm1(x))).
      TransformerKernels.normForward(
        x, rows: r, width: d, weight: w + block.norm1Weight.lowerBound,
        bias: w + block.norm1Bias.lowerBound, y: y1, mean: s.mean + 2 * l * r,
        rstd: s.rstd + 2 * l * r)
      linear(y1, rows: r, in: d, out: 3 * d, weight: w + block.inProjectionWeight.lowerBound,
             bias: w + block.inProjectionBias.lowerBound, into: qkv)
      attention(qkv, probs: s.probs + l * b * tl.sizes.heads * t * t, batch: b, steps: t,
                width: d, heads: tl.sizes.heads, context: context)
      mid.update(from: x, count: r * d)
      linear(context, rows: r, in: d, out: d, weight: w + block.outProjectionWeight.lowerBound,
             bias: w + block.outProjectionBias.lowerBound, into: mid, accumulate: true)
      // MLP half: next = mid + linear2(GELU(linear1(norm2(mid)))).
      TransformerKernels.normForward(
        mid, rows: r, width: d, weight: w + block.norm2Weight.lowerBound,
        bias: w + block.norm2Bias.lowerBound, y: y2, mean: s.mean + (2 * l + 1) * r,
        rstd: s.rstd + (2 * l + 1) * r)
      linear(y2, rows: r, in: d, out: f, weight: w + block.linear1Weight.lowerBound,
             bias: w + block.linear1Bias.lowerBound, into: h1)
      TransformerKernels.geluForward(h1, into: gelu, count: r * f)
      next.update(from: mid, count: r * d)
      linear(gelu, rows: r, in: f, out: d, weight: w + block.linear2Weight.lowerBound,
             bias: w + block.linear2Bias.lowerBound, into: next, accumulate: true)
    }
    let n = tl.sizes.layers
    TransformerKernels.normForward(
      s.xs + n * r * d, rows: r, width: d, weight: w + tl.normWeight.lowerBound,
      bias: w + tl.normBias.lowerBound, y: ws.hs + b * d, mean: s.mean + 2 * n * r,
      rstd: s.rstd + 2 * n * r)
  }

  /// out (R × O) = x (R × I) · Wᵀ + bias, W (O × I); with `accumulate`, added to out.
  @inline(__always)
  static func linear(
    _ x: UnsafePointer<Float>, rows: Int, in i: Int, out o: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    if accumulate {
      Vector.addRow(bias, to: out, rows: rows, columns: o)
    } else {
      for row in 0..<rows { (out + row * o).update(from: bias, count: o) }
    }
    BLAS.gemm(.none, .transposed, m: rows, n: o, k: i, a: x, lda: i, b: weight, ldb: i,
              beta: 1, c: out, ldc: o)
  }

  /// Sequences up to this length run attention as direct loops over the causal triangle
  /// (`TransformerKernels.smallAttention`): at T = 7 one head's products are 7 × 7 × d, where
  /// two sgemm calls per sequence and head cost more in call overhead than in arithmetic.
  /// Longer sequences (stream-mode windows) use sgemm on strided views.
  static let smallSequence = 32

  /// The causal attention of every sequence and head: weights into `probs` (B, heads, T, T),
  /// the heads' outputs side by side into `context` (R, D).
  static func attention(
    _ qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, batch b: Int, steps t: Int,
    width d: Int, heads: Int, context: UnsafeMutablePointer<Float>
  ) {
    let hd = d / heads, stride = b * 3 * d
    let scale = 1 / Float(hd).squareRoot()
    if t <= smallSequence {
      for row in 0..<b {
        for h in 0..<heads {
          let q = qkv + row * 3 * d + h * hd
          TransformerKernels.smallAttention(
            q: q, k: q + d, v: q + 2 * d, stride: stride, probs: probs + (row * heads + h) * t * t,
            steps: t, width: hd, scale: scale, context: context + row * d + h * hd, contextStride: b * d)
        }
      }
      return
    }
    for row in 0..<b {
      for h in 0..<heads {
        let q = qkv + row * 3 * d + h * hd, k = q + d, v = q + 2 * d
        let a = probs + (row * heads + h) * t * t
        // scores (T × T) = q kᵀ / √d, then the causal softmax of each row.
        BLAS.gemm(.none, .transposed, m: t, n: t, k: hd, alpha: scale, a: q, lda: stride,
                  b: k, ldb: stride, beta: 0, c: a, ldc: t)
        TransformerKernels.causalSoftmax(a, size: t)
        // context (T × d) = a v, into this head's columns.
        BLAS.gemm(.none, .none, m: t, n: hd, k: t, a: a, lda: t, b: v, ldb: stride,
                  beta: 0, c: context + row * d + h * hd, ldc: b * d)
      }
    }
  }

  /// Adds ∂loss/∂parameters into `g`, from dhOut (the readout's ∂loss/∂y: (T, B, D) for
  /// every position, (B, D) for the last). For dense inputs leaves ∂loss/∂x in `ws.dx`.
  static func backward(
    _ w: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, layout: ParameterLayout,
    batch b: Int, steps t: Int, everyPosition: Bool, workspace ws: Workspace
  ) {
    let tl = layout.transformer!, s = ws.transformer!
    let d = tl.width, f = tl.sizes.feedForward, r = t * b, n = tl.sizes.layers
    let heads = tl.sizes.heads
    let dStream = s.dStream, dNorm = s.dNorm

    // ∂loss/∂y (R, D) of the final norm: the readout's rows, zero where nothing is read out.
    if everyPosition {
      dNorm.update(from: ws.dhOut, count: r * d)
    } else {
      dNorm.update(repeating: 0, count: (t - 1) * b * d)
      (dNorm + (t - 1) * b * d).update(from: ws.dhOut, count: b * d)
    }
    dStream.update(repeating: 0, count: r * d)
    TransformerKernels.normBackward(
      s.xs + n * r * d, rows: r, width: d, weight: w + tl.normWeight.lowerBound,
      mean: s.mean + 2 * n * r, rstd: s.rstd + 2 * n * r, dy: dNorm, dx: dStream,
      dWeight: g + tl.normWeight.lowerBound, dBias: g + tl.normBias.lowerBound)

    for (l, block) in tl.blocks.enumerated().reversed() {
      let x = s.xs + l * r * d, mid = s.mid + l * r * d
      let y1 = s.y1 + l * r * d, y2 = s.y2 + l * r * d, qkv = s.qkv + l * r * 3 * d
      let context = s.context + l * r * d
      let h1 = s.h1 + l * r * f, gelu = s.gelu + l * r * f
      // MLP half (dStream is ∂loss/∂next, and stays so through the residual path).
      //   linear2.W (D × F) += dStreamᵀ · gelu;  linear2.b += Σ rows;  dHidden (R, F) = dStream · W2
      linearBackward(dStream, rows: r, in: f, out: d, input: gelu,
                     weight: w + block.linear2Weight.lowerBound,
                     dWeight: g + block.linear2Weight.lowerBound,
                     dBias: g + block.linear2Bias.lowerBound, dInput: s.dHidden)
      TransformerKernels.geluBackward(h1, gradient: s.dHidden, count: r * f)
      linearBackward(s.dHidden, rows: r, in: d, out: f, input: y2,
                     weight: w + block.linear1Weight.lowerBound,
                     dWeight: g + block.linear1Weight.lowerBound,
                     dBias: g + block.linear1Bias.lowerBound, dInput: dNorm)
      TransformerKernels.normBackward(
        mid, rows: r, width: d, weight: w + block.norm2Weight.lowerBound,
        mean: s.mean + (2 * l + 1) * r, rstd: s.rstd + (2 * l + 1) * r, dy: dNorm, dx: dStream,
        dWeight: g + block.norm2Weight.lowerBound, dBias: g + block.norm2Bias.lowerBound)
      // Attention half (dStream is now ∂loss/∂mid).
      linearBackward(dStream, rows: r, in: d, out: d, input: context,
                     weight: w + block.outProjectionWeight.lowerBound,
                     dWeight: g + block.outProjectionWeight.lowerBound,
                     dBias: g + block.outProjectionBias.lowerBound, dInput: s.dContext)
      attentionBackward(qkv, probs: s.probs + l * b * heads * t * t, batch: b, steps: t,
                        width: d, heads: heads, dContext: s.dContext, dScores: s.dScores,
                        dQKV: s.dQKV)
      // in_proj_weight (3D × D) += dQKVᵀ · y1;  dNorm (R, D) = dQKV · W_in. The bias: Σ rows of
      // the q and v blocks. The key block's gradient is zero exactly: a key bias b_k adds q·b_k
      // to every score of a query's row, and the softmax does not change under such a shift.
      // Summing the rows of dK would give rounding noise instead, which one Adam step
      // (m/√v) would turn into updates of ±lr.
      BLAS.gemm(.transposed, .none, m: 3 * d, n: d, k: r, a: s.dQKV, lda: 3 * d, b: y1, ldb: d,
                beta: 1, c: g + block.inProjectionWeight.lowerBound, ldc: d)
      let dBias = g + block.inProjectionBias.lowerBound
      for row in 0..<r {
        let dq = s.dQKV + row * 3 * d
        Vector.add(dq, into: dBias, count: d)
        Vector.add(dq + 2 * d, into: dBias + 2 * d, count: d)
      }
      BLAS.gemm(.none, .none, m: r, n: d, k: 3 * d, a: s.dQKV, lda: 3 * d,
                b: w + block.inProjectionWeight.lowerBound, ldb: d, beta: 0, c: dNorm, ldc: d)
      TransformerKernels.normBackward(
        x, rows: r, width: d, weight: w + block.norm1Weight.lowerBound,
        mean: s.mean + 2 * l * r, rstd: s.rstd + 2 * l * r, dy: dNorm, dx: dStream,
        dWeight: g + block.norm1Weight.lowerBound, dBias: g + block.norm1Bias.lowerBound)
    }

    // Input side (dStream is ∂loss/∂x_0): each position's row sums into its position, and into
    // its token's embedding row or, for dense inputs, W_in (D × E) += dStreamᵀ · x, b_in += Σ
    // rows, dx (R, E) = dStream · W_in.
    let dPosition = g + tl.position.lowerBound
    for step in 0..<t {
      for row in 0..<b { Vector.add(dStream + (step * b + row) * d, into: dPosition + step * d, count: d) }
    }
    if ws.hadTokens {
      let dEmbedding = g + layout.embedding.lowerBound
      for i in 0..<r { Vector.add(dStream + i * d, into: dEmbedding + Int(ws.tokens[i]) * d, count: d) }
    } else {
      let e = layout.shape.inputSize
      BLAS.gemm(.transposed, .none, m: d, n: e, k: r, a: dStream, lda: d, b: ws.x, ldb: e,
                beta: 1, c: g + layout.inputWeights.lowerBound, ldc: e)
      Vector.addColumnSums(of: dStream, rows: r, columns: d, into: g + layout.inputBias.lowerBound)
      BLAS.gemm(.none, .none, m: r, n: e, k: d, a: dStream, lda: d,
                b: w + layout.inputWeights.lowerBound, ldb: e, beta: 0, c: ws.dx, ldc: e)
    }
  }

  /// The backward of `linear` (out = x Wᵀ + b): W (O × I) += doutᵀ · x;  b += Σ rows of dout;
  /// dInput (R × I) = dout · W (overwritten).
  @inline(__always)
  static func linearBackward(
    _ dOut: UnsafePointer<Float>, rows: Int, in i: Int, out o: Int, input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>
  ) {
    BLAS.gemm(.transposed, .none, m: o, n: i, k: rows, a: dOut, lda: o, b: input, ldb: i,
              beta: 1, c: dWeight, ldc: i)
    Vector.addColumnSums(of: dOut, rows: rows, columns: o, into: dBias)
    BLAS.gemm(.none, .none, m: rows, n: i, k: o, a: dOut, lda: o, b: weight, ldb: i,
              beta: 0, c: dInput, ldc: i)
  }

  /// dQKV (R, 3D) = ∂loss/∂[q | k | v] from dContext (R, D), per sequence and head:
  ///   ∂a (T × T) = ∂context · vᵀ;  ∂v = aᵀ · ∂context;  ∂scores = softmax backward of ∂a;
  ///   ∂q = ∂scores · k / √d;  ∂k = ∂scoresᵀ · q / √d.
  static func attentionBackward(
    _ qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, batch b: Int, steps t: Int,
    width d: Int, heads: Int, dContext: UnsafePointer<Float>, dScores: UnsafeMutablePointer<Float>,
    dQKV: UnsafeMutablePointer<Float>
  ) {
    let hd = d / heads, stride = b * 3 * d
    let scale = 1 / Float(hd).squareRoot()
    if t <= smallSequence {
      for row in 0..<b {
        for h in 0..<heads {
          let q = qkv + row * 3 * d + h * hd, dq = dQKV + row * 3 * d + h * hd
          TransformerKernels.smallAttentionBackward(
            q: q, k: q + d, v: q + 2 * d, stride: stride, probs: probs + (row * heads + h) * t * t,
            steps: t, width: hd, scale: scale, dContext: dContext + row * d + h * hd,
            contextStride: b * d, dScores: dScores, dq: dq, dk: dq + d, dv: dq + 2 * d)
        }
      }
      return
    }
    for row in 0..<b {
      for h in 0..<heads {
        let q = qkv + row * 3 * d + h * hd, k = q + d, v = q + 2 * d
        let dq = dQKV + row * 3 * d + h * hd, dk = dq + d, dv = dq + 2 * d
        let a = probs + (row * heads + h) * t * t
        let dc = dContext + row * d + h * hd
        BLAS.gemm(.none, .transposed, m: t, n: t, k: hd, a: dc, lda: b * d, b: v, ldb: stride,
                  beta: 0, c: dScores, ldc: t)
        BLAS.gemm(.transposed, .none, m: t, n: hd, k: t, a: a, lda: t, b: dc, ldb: b * d,
                  beta: 0, c: dv, ldc: stride)
        TransformerKernels.causalSoftmaxBackward(a, gradient: dScores, size: t)
        BLAS.gemm(.none, .none, m: t, n: hd, k: t, alpha: scale, a: dScores, lda: t, b: k,
                  ldb: stride, beta: 0, c: dq, ldc: stride)
        BLAS.gemm(.transposed, .none, m: t, n: hd, k: t, alpha: scale, a: dScores, lda: t, b: q,
                  ldb: stride, beta: 0, c: dk, ldc: stride)
      }
    }
  }
}
