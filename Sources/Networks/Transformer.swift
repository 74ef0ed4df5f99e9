// Causal pre-norm transformer, PyTorch's `nn.TransformerEncoder` of
// `nn.TransformerEncoderLayer(D, heads, F, dropout=0, activation="gelu", norm_first=True)` with a
// final `nn.LayerNorm(D)`, under a causal mask:
//   x_0 = embedding[token] (or W_in x + b_in) + position[t]
//   per block:  x ← x + out_proj(attention(norm1(x)));  x ← x + linear2(GELU(linear1(norm2(x))))
//   y = norm(x), read out like the cells' h_t
//   attention: [q | k | v] = y1 W_inᵀ + b_in; per head (d = D/heads columns of each),
//   a = causal softmax(q kᵀ/√d), context = a v; heads side by side, then out_proj.
// Shapes as in TransformerWorkspace.swift (R = T·B time-major rows, head width d). The residual
// stream is row-major (R × D) like the cells' buffers; the attention's operands are
// feature-major: the in-projection writes qkvᵀ (3D × R) = W_in y1ᵀ directly, so for each head,
// feature and position the B sequences are consecutive and the attention runs on Lanes of
// sequences (TransformerKernels.headAttention) with no reduction across lanes and no per-sequence
// call. At T = 7 one sequence's head is a 7 × 7 × d product: as sgemm calls per sequence and
// head it cost more in call overhead than in arithmetic. The out-projection reads contextᵀ
// (D × R) through a transposed sgemm operand.
// A pass of at most `featureMajorRows` rows has the two norms inside a block also write their
// outputs feature-major (y1ᵀ, y2ᵀ: D × R, in `normsT`), for the in-projection and linear1 to take
// in the forms OpenBLAS's small-matrix kernels run fastest (at R = 14, 4.8 against 7.6 µs and
// 4.7 against 9.5 µs a call) instead of a transposed row-major operand; the weight gradients read
// the row-major copies, which are their fast forms. At large R both forms run alike and the
// strided stores would cost more than they save.
// A pass runs in chunks of consecutive sequences, each through every block forward (and later
// backward) before the next (TransformerWorkspace.swift): sequences never mix, so a chunk is a
// pass of its own, and at about `chunkRows` rows its activations stay in a core's L2 cache from
// one product to the next. At T = 7 and D = 64 a step cost 0.048 ms a sequence in passes of
// 48–96 sequences and 0.058 ms in one pass of 576. The weight gradients add up chunk by chunk, a
// fixed order for a given network and batch.

import Specification
import LinearAlgebra

package enum Transformer {
  /// Passes (chunks) of up to this many rows (T·B) keep y1 and y2 feature-major (see the header).
  package static let featureMajorRows = 256

  /// Rows a chunk of a pass aims at (see the header).
  static let chunkRows = 672

  /// Sequences per chunk for a network whose longest pass has `positions` positions: about
  /// `chunkRows` rows, a multiple of Lanes.scalarCount, at least one such block.
  static func chunkSequences(positions: Int) -> Int {
    let n = Lanes.scalarCount
    return max(n, chunkRows / max(positions, 1) / n * n)
  }

  /// Fills the final norm's output (T, B, D) into `hs` from row B on, from the inputs the
  /// workspace holds (`tokens` or `x`), chunk by chunk.
  static func forward(
    _ w: UnsafePointer<Float>, layout: ParameterLayout, batch b: Int, steps t: Int,
    workspace ws: Workspace
  ) {
    let s = ws.transformer!
    s.forEachChunk(batch: b) { first, count, chunk in
      forward(w, layout: layout, batch: b, steps: t, sequences: first, count: count, chunk: chunk,
              shared: s, workspace: ws)
    }
  }

  /// One chunk's forward pass: sequences first ..< first + bc of the pass, rows t·bc + row of the
  /// chunk's buffers.
  static func forward(
    _ w: UnsafePointer<Float>, layout: ParameterLayout, batch b: Int, steps t: Int,
    sequences first: Int, count bc: Int, chunk c: TransformerChunk, shared s: TransformerScratch,
    workspace ws: Workspace
  ) {
    let tl = layout.transformer!
    let d = tl.width, f = tl.sizes.feedForward, r = t * bc, e = layout.shape.inputSize
    let featureMajor = r <= featureMajorRows

    // x_0 (Rc, D): the token's embedding row or W_in x + b_in, plus the position's row.
    let x0 = c.xs, position = w + tl.position.lowerBound
    if ws.hadTokens {
      let embedding = w + layout.embedding.lowerBound
      for step in 0..<t {
        for row in 0..<bc {
          (x0 + (step * bc + row) * d).update(
            from: embedding + Int(ws.tokens[step * b + first + row]) * d, count: d)
        }
      }
    } else {
      for i in 0..<r { (x0 + i * d).update(from: w + layout.inputBias.lowerBound, count: d) }
      // One product over the whole pass when it is one chunk, else one per position.
      for step in (bc == b ? 0..<1 : 0..<t) {
        BLAS.gemm(.none, .transposed, m: bc == b ? r : bc, n: d, k: e, a: ws.x + (step * b + first) * e,
                  lda: e, b: w + layout.inputWeights.lowerBound, ldb: e, beta: 1,
                  c: x0 + step * bc * d, ldc: d)
      }
    }
    for step in 0..<t {
      for row in 0..<bc { Vector.add(position + step * d, into: x0 + (step * bc + row) * d, count: d) }
    }

    for (l, block) in tl.blocks.enumerated() {
      let x = c.xs + l * r * d, mid = c.mid + l * r * d, next = c.xs + (l + 1) * r * d
      let y1 = c.y1 + l * r * d, y2 = c.y2 + l * r * d, qkv = c.qkv + l * r * 3 * d
      let y1T = featureMajor ? s.normsT + 2 * l * r * d : nil
      let y2T = featureMajor ? s.normsT + (2 * l + 1) * r * d : nil
      let context = c.context + l * r * d
      let h1 = c.h1 + l * r * f, gelu = c.gelu + l * r * f
      // Attention half: mid = x + out_proj(attention(norm1(x))).
      TransformerKernels.normForward(
        x, rows: r, width: d, weight: w + block.norm1Weight.lowerBound,
        bias: w + block.norm1Bias.lowerBound, y: y1, transposed: y1T,
        mean: c.mean + 2 * l * r, rstd: c.rstd + 2 * l * r)
      inProjection(y1, transposed: y1T, rows: r, width: d,
                   weight: w + block.inProjectionWeight.lowerBound,
                   bias: w + block.inProjectionBias.lowerBound, into: qkv)
      TransformerKernels.attention(
        qkv: qkv, probs: c.probs + l * bc * tl.sizes.heads * TransformerKernels.triangle(t),
        context: context, scratch: s.attentionScratch(block: l), batch: bc, steps: t, width: d,
        heads: tl.sizes.heads)
      // mid (Rc × D) = x + context · W_outᵀ + b_out, with context read from contextᵀ (D × Rc).
      TransformerKernels.add(x, row: w + block.outProjectionBias.lowerBound, into: mid, rows: r, width: d)
      BLAS.gemm(.transposed, .transposed, m: r, n: d, k: d, a: context, lda: r,
                b: w + block.outProjectionWeight.lowerBound, ldb: d, beta: 1, c: mid, ldc: d)
      // MLP half: next = mid + linear2(GELU(linear1(norm2(mid)))).
      TransformerKernels.normForward(
        mid, rows: r, width: d, weight: w + block.norm2Weight.lowerBound,
        bias: w + block.norm2Bias.lowerBound, y: y2, transposed: y2T,
        mean: c.mean + (2 * l + 1) * r, rstd: c.rstd + (2 * l + 1) * r)
      // h1 (Rc × F) = y2 · W1ᵀ, y2 read from y2ᵀ when there is one; GELU adds b1.
      BLAS.gemm(y2T == nil ? .none : .transposed, .transposed, m: r, n: f, k: d, a: y2T ?? y2,
                lda: y2T == nil ? d : r, b: w + block.linear1Weight.lowerBound, ldb: d, beta: 0,
                c: h1, ldc: f)
      TransformerKernels.geluForward(
        h1, bias: w + block.linear1Bias.lowerBound, rows: r, width: f, into: gelu,
        keepingSlope: ws.keptForBackward)
      TransformerKernels.add(mid, row: w + block.linear2Bias.lowerBound, into: next, rows: r, width: d)
      BLAS.gemm(.none, .transposed, m: r, n: d, k: f, a: gelu, lda: f,
                b: w + block.linear2Weight.lowerBound, ldb: f, beta: 1, c: next, ldc: d)
    }
    // The final norm, each position's rows into that position's rows of hs.
    let n = tl.sizes.layers
    for step in 0..<t {
      let rows = step * bc
      TransformerKernels.normForward(
        c.xs + (n * r + rows) * d, rows: bc, width: d, weight: w + tl.normWeight.lowerBound,
        bias: w + tl.normBias.lowerBound, y: ws.hs + (b + step * b + first) * d, transposed: nil,
        mean: c.mean + 2 * n * r + rows, rstd: c.rstd + 2 * n * r + rows)
    }
  }

  /// qkvᵀ (3D × R) = W_in y1ᵀ + b_in (each row p filled with b_in[p], then the product added),
  /// from y1ᵀ (D × R) when there is one, else from y1 (R × D).
  @inline(__always)
  static func inProjection(
    _ y1: UnsafePointer<Float>, transposed y1T: UnsafePointer<Float>?, rows r: Int, width d: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, into qkv: UnsafeMutablePointer<Float>
  ) {
    for p in 0..<(3 * d) { (qkv + p * r).update(repeating: bias[p], count: r) }
    if let y1T {
      BLAS.gemm(.none, .none, m: 3 * d, n: r, k: d, a: weight, lda: d, b: y1T, ldb: r, beta: 1,
                c: qkv, ldc: r)
    } else {
      BLAS.gemm(.none, .transposed, m: 3 * d, n: r, k: d, a: weight, lda: d, b: y1, ldb: d,
                beta: 1, c: qkv, ldc: r)
    }
  }

  /// Adds ∂loss/∂parameters into `g`, from dhOut (the readout's ∂loss/∂y: (T, B, D) for
  /// every position, (B, D) for the last), chunk by chunk. For dense inputs leaves ∂loss/∂x in
  /// `ws.dx`.
  static func backward(
    _ w: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, layout: ParameterLayout,
    batch b: Int, steps t: Int, everyPosition: Bool, workspace ws: Workspace
  ) {
    let s = ws.transformer!
    s.forEachChunk(batch: b) { first, count, chunk in
      backward(w, g, layout: layout, batch: b, steps: t, everyPosition: everyPosition,
               sequences: first, count: count, chunk: chunk, shared: s, workspace: ws)
    }
  }

  /// One chunk's backward pass (sequences first ..< first + bc), after its forward pass.
  static func backward(
    _ w: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, layout: ParameterLayout,
    batch b: Int, steps t: Int, everyPosition: Bool, sequences first: Int, count bc: Int,
    chunk c: TransformerChunk, shared s: TransformerScratch, workspace ws: Workspace
  ) {
    let tl = layout.transformer!
    let d = tl.width, f = tl.sizes.feedForward, r = t * bc, n = tl.sizes.layers
    let heads = tl.sizes.heads
    let dStream = s.dStream, dNorm = s.dNorm

    // ∂loss/∂y (Rc, D) of the final norm: the readout's rows, zero where nothing is read out.
    if everyPosition {
      for step in 0..<t {
        (dNorm + step * bc * d).update(from: ws.dhOut + (step * b + first) * d, count: bc * d)
      }
    } else {
      dNorm.update(repeating: 0, count: (t - 1) * bc * d)
      (dNorm + (t - 1) * bc * d).update(from: ws.dhOut + first * d, count: bc * d)
    }
    dStream.update(repeating: 0, count: r * d)
    TransformerKernels.normBackward(
      c.xs + n * r * d, rows: r, width: d, weight: w + tl.normWeight.lowerBound,
      mean: c.mean + 2 * n * r, rstd: c.rstd + 2 * n * r, dy: dNorm, dx: dStream,
      dWeight: g + tl.normWeight.lowerBound, dBias: g + tl.normBias.lowerBound)

    for (l, block) in tl.blocks.enumerated().reversed() {
      let x = c.xs + l * r * d, mid = c.mid + l * r * d
      let y1 = c.y1 + l * r * d, y2 = c.y2 + l * r * d, qkv = c.qkv + l * r * 3 * d
      let context = c.context + l * r * d
      let h1 = c.h1 + l * r * f, gelu = c.gelu + l * r * f
      // MLP half (dStream is ∂loss/∂next, and stays so through the residual path).
      //   linear2.W (D × F) += dStreamᵀ · gelu;  linear2.b += Σ rows;  dHidden (Rc, F) = dStream · W2
      linearBackward(dStream, rows: r, in: f, out: d, input: gelu,
                     weight: w + block.linear2Weight.lowerBound,
                     dWeight: g + block.linear2Weight.lowerBound,
                     dBias: g + block.linear2Bias.lowerBound, dInput: s.dHidden)
      TransformerKernels.geluBackward(slope: h1, gradient: s.dHidden, count: r * f)
      linearBackward(s.dHidden, rows: r, in: d, out: f, input: y2,
                     weight: w + block.linear1Weight.lowerBound,
                     dWeight: g + block.linear1Weight.lowerBound,
                     dBias: g + block.linear1Bias.lowerBound, dInput: dNorm)
      TransformerKernels.normBackward(
        mid, rows: r, width: d, weight: w + block.norm2Weight.lowerBound,
        mean: c.mean + (2 * l + 1) * r, rstd: c.rstd + (2 * l + 1) * r, dy: dNorm, dx: dStream,
        dWeight: g + block.norm2Weight.lowerBound, dBias: g + block.norm2Bias.lowerBound)
      // Attention half (dStream is now ∂loss/∂mid).
      // out_proj.W (D × D) += dStreamᵀ · context;  out_proj.b += Σ rows;
      // dContextᵀ (D × Rc) = W_outᵀ · dStreamᵀ (context and its gradient are feature-major).
      let outWeight = w + block.outProjectionWeight.lowerBound
      BLAS.gemm(.transposed, .transposed, m: d, n: d, k: r, a: dStream, lda: d, b: context,
                ldb: r, beta: 1, c: g + block.outProjectionWeight.lowerBound, ldc: d)
      Vector.addColumnSums(of: dStream, rows: r, columns: d, into: g + block.outProjectionBias.lowerBound)
      BLAS.gemm(.transposed, .transposed, m: d, n: r, k: d, a: outWeight, lda: d, b: dStream,
                ldb: d, beta: 0, c: s.dContext, ldc: r)
      TransformerKernels.attentionBackward(
        qkv: qkv, probs: c.probs + l * bc * heads * TransformerKernels.triangle(t),
        dContext: s.dContext, scratch: s.attentionScratch(block: l), dQKV: s.dQKV, batch: bc,
        steps: t, width: d, heads: heads)
      // in_proj_weight (3D × D) += dQKVᵀ · y1 (dQKVᵀ is what the kernels hold); dNorm (Rc, D) =
      // dQKV · W_in. The bias: the row sums of dQKVᵀ's q and v blocks. The key block's gradient
      // is zero exactly: a key bias b_k adds q·b_k to every score of a query's row, and the
      // softmax does not change under such a shift. Summing dK would give rounding noise
      // instead, which one Adam step (m/√v) would turn into updates of ±lr.
      BLAS.gemm(.none, .none, m: 3 * d, n: d, k: r, a: s.dQKV, lda: r, b: y1, ldb: d,
                beta: 1, c: g + block.inProjectionWeight.lowerBound, ldc: d)
      let dBias = g + block.inProjectionBias.lowerBound
      for p in 0..<d {
        dBias[p] += TransformerKernels.sum(s.dQKV + p * r, count: r)
        dBias[2 * d + p] += TransformerKernels.sum(s.dQKV + (2 * d + p) * r, count: r)
      }
      BLAS.gemm(.transposed, .none, m: r, n: d, k: 3 * d, a: s.dQKV, lda: r,
                b: w + block.inProjectionWeight.lowerBound, ldb: d, beta: 0, c: dNorm, ldc: d)
      TransformerKernels.normBackward(
        x, rows: r, width: d, weight: w + block.norm1Weight.lowerBound,
        mean: c.mean + 2 * l * r, rstd: c.rstd + 2 * l * r, dy: dNorm, dx: dStream,
        dWeight: g + block.norm1Weight.lowerBound, dBias: g + block.norm1Bias.lowerBound)
    }

    // Input side (dStream is ∂loss/∂x_0): each position's row sums into its position, and into
    // its token's embedding row or, for dense inputs, W_in (D × E) += dStreamᵀ · x, b_in += Σ
    // rows, dx (R, E) = dStream · W_in (one product over the whole pass when it is one chunk,
    // else one per position: a chunk's rows of a position are consecutive in x and dx).
    let dPosition = g + tl.position.lowerBound
    for step in 0..<t {
      for row in 0..<bc { Vector.add(dStream + (step * bc + row) * d, into: dPosition + step * d, count: d) }
    }
    if ws.hadTokens {
      let dEmbedding = g + layout.embedding.lowerBound
      for step in 0..<t {
        for row in 0..<bc {
          Vector.add(dStream + (step * bc + row) * d,
                     into: dEmbedding + Int(ws.tokens[step * b + first + row]) * d, count: d)
        }
      }
    } else {
      let e = layout.shape.inputSize, rows = bc == b ? r : bc
      for step in (bc == b ? 0..<1 : 0..<t) {
        BLAS.gemm(.transposed, .none, m: d, n: e, k: rows, a: dStream + step * bc * d, lda: d,
                  b: ws.x + (step * b + first) * e, ldb: e, beta: 1,
                  c: g + layout.inputWeights.lowerBound, ldc: e)
        BLAS.gemm(.none, .none, m: rows, n: e, k: d, a: dStream + step * bc * d, lda: d,
                  b: w + layout.inputWeights.lowerBound, ldb: e, beta: 0,
                  c: ws.dx + (step * b + first) * e, ldc: e)
      }
      Vector.addColumnSums(of: dStream, rows: r, columns: d, into: g + layout.inputBias.lowerBound)
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
}
