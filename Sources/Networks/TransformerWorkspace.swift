// The transformer's scratch buffers, owned by a Workspace of that shape. Rows are time-major like
// every other buffer: row r = t·B + b of a pass of B sequences over T positions, R = T·B rows.
// A pass runs in chunks of at most `chunkSequences` consecutive sequences (Transformer.swift);
// each chunk has its own forward buffers, rows time-major within the chunk (t·Bc + b, Rc = T·Bc),
// and the chunks share the backward buffers, which hold one chunk at a time.
// Shapes per chunk (for T positions, N blocks, D width, F MLP width, heads n):
//   xs     (N+1, Rc, D)  the residual stream entering each block; xs[N] enters the final norm
//   mid    (N, Rc, D)    the stream after a block's attention (the input of its second norm)
//   mean, rstd (2N+1, Rc) each norm's row mean and 1/√(variance + 1e-5): norm1 of block L at
//                        2L, norm2 at 2L+1, the final norm at 2N
//   y1, y2 (N, Rc, D)    the outputs of norm1 and norm2
//   qkv    (N, 3D, Rc)   the in-projection [q | k | v] of y1, feature-major (qkvᵀ; head h: rows
//                        h·D/n ..< (h+1)·D/n of each block)
//   probs  (N, n, T(T+1)/2, Bc) the causal attention weights a_ij, j ≤ i, as triangles
//   context (N, D, Rc)   the heads' weighted values, feature-major, before the out-projection
//   h1, gelu (N, Rc, F)  the first MLP layer before and after GELU; after a pass kept for
//                        backward, h1 holds GELU' of what it held (TransformerKernels.geluForward)
// Shared:
//   normsT (N, 2, D, Rc) y1ᵀ and y2ᵀ of each block, for chunks of at most
//                        Transformer.featureMajorRows rows (allocated for that many)
//   dStream, dNorm (Rc, D), dContext (D, Rc), dQKV (3D, Rc), dHidden (Rc, F): backward
//   attentionScratch (N, TransformerKernels.attentionScratch) per block: a block of lanes'
//                        ∂scores and the padded copies of the ragged last sequences, their
//                        q, k, v and weights kept from the forward pass for the backward (only
//                        a pass's last chunk can have ragged sequences: the others hold a
//                        multiple of Lanes.scalarCount)
// The final norm's output is the workspace's `hs` from row B on (h_1 … h_T of the cells), so
// the readout, `finalHidden` and the readout gradient `dhOut` are shared with the cells.

import LinearAlgebra
import Specification

/// One chunk's forward buffers, which its backward pass reads again.
final class TransformerChunk {
  let xs: UnsafeMutablePointer<Float>
  let mid: UnsafeMutablePointer<Float>
  let mean: UnsafeMutablePointer<Float>
  let rstd: UnsafeMutablePointer<Float>
  let y1: UnsafeMutablePointer<Float>
  let y2: UnsafeMutablePointer<Float>
  let qkv: UnsafeMutablePointer<Float>
  let probs: UnsafeMutablePointer<Float>
  let context: UnsafeMutablePointer<Float>
  let h1: UnsafeMutablePointer<Float>
  let gelu: UnsafeMutablePointer<Float>

  init(sizes: TransformerSizes, width d: Int, sequences b: Int, positions t: Int,
       buffer: (Int) -> UnsafeMutablePointer<Float>) {
    let n = sizes.layers, f = sizes.feedForward, r = b * t
    xs = buffer((n + 1) * r * d)
    mid = buffer(n * r * d)
    mean = buffer((2 * n + 1) * r)
    rstd = buffer((2 * n + 1) * r)
    y1 = buffer(n * r * d)
    y2 = buffer(n * r * d)
    qkv = buffer(n * r * 3 * d)
    probs = buffer(n * sizes.heads * TransformerKernels.triangle(t) * b)
    context = buffer(n * r * d)
    h1 = buffer(n * r * f)
    gelu = buffer(n * r * f)
  }

  /// Floats of a chunk of `b` sequences.
  static func floats(sizes: TransformerSizes, width d: Int, sequences b: Int, positions t: Int) -> Int {
    let n = sizes.layers, f = sizes.feedForward, r = b * t
    return (n + 1) * r * d + n * r * (4 * d + 3 * d + 2 * f) + 2 * (2 * n + 1) * r
      + n * sizes.heads * TransformerKernels.triangle(t) * b
  }
}

final class TransformerScratch {
  /// Sequences per chunk (every chunk of a pass but the last holds this many).
  let chunkSequences: Int
  let chunks: [TransformerChunk]
  let normsT: UnsafeMutablePointer<Float>
  let dStream: UnsafeMutablePointer<Float>
  let dNorm: UnsafeMutablePointer<Float>
  let dContext: UnsafeMutablePointer<Float>
  let dQKV: UnsafeMutablePointer<Float>
  let dHidden: UnsafeMutablePointer<Float>
  private let attentionScratches: UnsafeMutablePointer<Float>
  private let attentionStride: Int
  private var allocations: [UnsafeMutablePointer<Float>] = []
  /// Bytes of the buffers above.
  let byteCount: Int

  /// Buffers for passes of up to `capacity` sequences of up to `t` positions, of a network whose
  /// longest pass has `longest` positions (which fixes the chunk size).
  init(sizes: TransformerSizes, width d: Int, capacity b: Int, positions t: Int, longest: Int) {
    let n = sizes.layers, f = sizes.feedForward
    var owned: [UnsafeMutablePointer<Float>] = []
    var bytes = 0
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let p = AlignedFloats.allocateScratch(count)
      owned.append(p)
      bytes += 4 * max(count, 1)
      return p
    }
    let cs = min(b, Transformer.chunkSequences(positions: longest))
    chunkSequences = cs
    chunks = Self.chunkSizes(capacity: b, chunk: cs).map {
      TransformerChunk(sizes: sizes, width: d, sequences: $0, positions: t, buffer: buffer)
    }
    let r = cs * t
    normsT = buffer(2 * n * d * min(r, Transformer.featureMajorRows))
    dStream = buffer(r * d)
    dNorm = buffer(r * d)
    dContext = buffer(r * d)
    dQKV = buffer(r * 3 * d)
    dHidden = buffer(r * f)
    attentionStride = Self.attentionFloats(sizes: sizes, width: d, positions: t)
    attentionScratches = buffer(n * attentionStride)
    allocations = owned
    byteCount = bytes
  }

  /// Calls `body` with each chunk of a pass of `b` sequences, in order: its first sequence, how
  /// many it holds, and its buffers.
  @inline(__always)
  func forEachChunk(batch b: Int, _ body: (Int, Int, TransformerChunk) -> Void) {
    var first = 0
    for chunk in chunks where first < b {
      let count = min(chunkSequences, b - first)
      body(first, count, chunk)
      first += count
    }
  }

  /// The chunks' sizes in sequences for a capacity of `b`: as many of `chunk` as fit, then the rest.
  static func chunkSizes(capacity b: Int, chunk cs: Int) -> [Int] {
    stride(from: 0, to: max(b, 1), by: max(cs, 1)).map { min(cs, b - $0) }
  }

  /// Floats of the buffers for these sizes (what `init` allocates, but for the 1-float minimum
  /// of an empty buffer): for the memory estimate.
  static func floats(sizes: TransformerSizes, width d: Int, capacity b: Int, positions t: Int, longest: Int) -> Int {
    let n = sizes.layers, f = sizes.feedForward
    let cs = min(b, Transformer.chunkSequences(positions: longest)), r = cs * t
    let chunks = chunkSizes(capacity: b, chunk: cs).reduce(0) {
      $0 + TransformerChunk.floats(sizes: sizes, width: d, sequences: $1, positions: t)
    }
    return chunks + 2 * n * d * min(r, Transformer.featureMajorRows) + r * (3 * d + 3 * d + f)
      + n * attentionFloats(sizes: sizes, width: d, positions: t)
  }

  /// Block l's attention scratch.
  func attentionScratch(block l: Int) -> UnsafeMutablePointer<Float> { attentionScratches + l * attentionStride }

  /// Floats of one block's attention scratch.
  static func attentionFloats(sizes: TransformerSizes, width d: Int, positions t: Int) -> Int {
    TransformerKernels.attentionScratch(steps: t, width: d / sizes.heads, heads: sizes.heads)
  }

  deinit {
    for p in allocations { p.deallocate() }
  }
}
