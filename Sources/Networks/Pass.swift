import Specification
import LinearAlgebra

/// The sizes and buffers of one pass over a batch, shared by the cells' forward and backward.
/// Built once per call; only pointers and sizes, so it costs nothing to pass around.
struct Pass {
  /// B, T, H, G·H
  let batch: Int
  let steps: Int
  let hidden: Int
  let gateWidth: Int
  let workspace: Workspace
  /// W_hh (G·H × H)
  let recurrentWeights: UnsafePointer<Float>
  /// b_hh (G·H); the GRU needs its n block apart (it sits inside r ⊙ (W_hn h + b_hn))
  let recurrentBias: UnsafePointer<Float>
  /// The bias added to every row of the gate pre-activations: b_ih + b_hh (GRU: b_ih + b_hh for
  /// the r and z blocks, b_in alone for the n block).
  let bias: UnsafePointer<Float>
  /// Whether h_0 (and c_0) are given; otherwise they are zero and step 0 skips W_hh h_0.
  let initialState: Bool
  /// ∂loss/∂h_t from the readout arrives at every step, or only at the last.
  let everyPosition: Bool
  /// Whether the forward pass stores what only the backward pass reads (gate activations etc.).
  let forBackward: Bool
  /// Token inputs (T, B): the input projection of position (t, row) is row `tokens[t·B + row]` of
  /// `workspace.projections`, and ∂loss/∂gx goes to `workspace.dTokens`. nil for dense inputs.
  let tokens: UnsafePointer<Int32>?

  /// Rows (B × ·) of time step t in a time-major buffer of row width `width`.
  @inline(__always)
  func at(_ buffer: UnsafeMutablePointer<Float>, step t: Int, width: Int) -> UnsafeMutablePointer<Float> {
    buffer + t * batch * width
  }

  /// `out = h · W_hhᵀ` (beta 0) or `out += h · W_hhᵀ` (beta 1) for the B rows of h: one
  /// `sgemm` per time step.
  @inline(__always)
  func recurrentProjection(
    of h: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, beta: Float
  ) {
    BLAS.gemm(.none, .transposed, m: batch, n: gateWidth, k: hidden,
              a: h, lda: hidden, b: recurrentWeights, ldb: hidden,
              beta: beta, c: out, ldc: gateWidth)
  }

  /// `dhPrev += dGates · W_hh` for the B rows: the gradient flowing to the previous step.
  @inline(__always)
  func addRecurrentGradient(of dGates: UnsafePointer<Float>, into dhPrev: UnsafeMutablePointer<Float>) {
    BLAS.gemm(.none, .none, m: batch, n: hidden, k: gateWidth,
              a: dGates, lda: gateWidth, b: recurrentWeights, ldb: hidden,
              beta: 1, c: dhPrev, ldc: hidden)
  }

  /// The input projection W_ih x (G·H values) of sequence `row` at step t: a row of the token
  /// projections, or of gx.
  @inline(__always)
  func inputProjection(step t: Int, row: Int) -> UnsafeMutablePointer<Float> {
    if let tokens { return workspace.projections + Int(tokens[t * batch + row]) * gateWidth }
    return workspace.gx + (t * batch + row) * gateWidth
  }

  /// W_hh h_{t−1} for the Elman and LSTM forward step t, as (rows, row stride): for token inputs
  /// written into `gates` (the step's rows of gx, beta 0); for dense inputs added into gx, which
  /// already holds W_ih x (beta 1), so the part left to add is a row of zeros (stride 0); for a
  /// zero h_0, likewise zeros.
  @inline(__always)
  func recurrentPart(
    of hPrev: UnsafePointer<Float>, into gates: UnsafeMutablePointer<Float>, step t: Int
  ) -> (UnsafeMutablePointer<Float>, Int) {
    guard t > 0 || initialState else { return (workspace.zeroRow, 0) }
    if tokens != nil {
      recurrentProjection(of: hPrev, into: gates, beta: 0)
      return (gates, gateWidth)
    }
    recurrentProjection(of: hPrev, into: gates, beta: 1)
    return (workspace.zeroRow, 0)
  }

  /// ∂loss/∂h_t arriving from the readout at step t, or nil.
  @inline(__always)
  func readoutGradient(step t: Int) -> UnsafeMutablePointer<Float>? {
    if everyPosition { return at(workspace.dhOut, step: t, width: hidden) }
    return t == steps - 1 ? workspace.dhOut : nil
  }
}
