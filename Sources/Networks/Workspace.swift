// Scratch buffers for one forward/backward pass, all time-major so that one time step is one
// contiguous (B × ·) block. Shapes (for capacity B, T):
//   x      (T, B, E)    dense inputs (tokens are not embedded row by row: see `projections`)
//   projections (V, G·H) token inputs: W_ih · embedding row of each token, the input projection
//                       of every position being one of these rows
//   gx     (T, B, G·H)  dense inputs: the input projections W_ih x_t (plus W_hh h_{t−1} for
//                       Elman and LSTM); token inputs, Elman and LSTM: W_hh h_{t−1}; after the
//                       step, the gate activations (the cells read `projections` for tokens)
//   gh     (B, G·H)     GRU only: this step's recurrent projection W_hh h_{t−1} (scratch)
//   ghn    (T, B, H)    GRU only: W_hn h_{t−1} + b_hn, kept for the backward pass
//   zeroRow (G·H)       zeros: the recurrent projection of a zero h_0, read with row stride 0
//   bias   (G·H)        the biases added to the gate pre-activations (see the cells)
//   dBias  (G·H)        Σ over rows of dgx, shared by the b_ih and b_hh gradients
//   dBiasN (H)          GRU only: Σ over rows of the n block of dgh (the b_hn gradient)
//   dTokens (V, G·H)    token inputs: Σ of the dgx rows of each token
//   hs     (T+1, B, H)  hidden states h_0 … h_T (h_0 is the initial state)
//   cs     (T+1, B, H)  LSTM only: cell states c_0 … c_T
//   tc     (T, B, H)    LSTM only: tanh(c_t)
//   logits (T, B, C)    readout outputs (rows of the supervised positions)
//   probs  (T, B, C)    their softmax
//   dLogits (T, B, C)   ∂loss/∂logits
//   dhOut  (T, B, H)    ∂loss/∂h_t from the readout
//   dgx    (T, B, G·H)  ∂loss/∂(input-side gate pre-activations)
//                       (dense inputs and Elman/LSTM; token GRU sums straight into dTokens)
//   dgh    (T, B, G·H)  GRU only: ∂loss/∂(W_hh h_{t−1} + b_hh), for dh_{t−1} and the W_hh gradient
//   dh, dhPrev, dc, dcPrev  (B, H)  running state gradients
//   dx     (T, B, E)    ∂loss/∂x (dense inputs)
// A transformer uses x, dx, hs (its final norm's output from row B on), the readout buffers,
// dhOut and tokens/targets here; its own buffers are `transformer` (TransformerWorkspace.swift).

import LinearAlgebra
import Specification

/// Owned scratch memory for passes of up to `capacity` sequences of up to `maxSteps` steps.
/// One workspace belongs to one thread at a time; it is reused across steps without allocating.
public final class Workspace {
  public let shape: NetworkShape
  public let capacity: Int
  public let maxSteps: Int

  let x: UnsafeMutablePointer<Float>
  let gx: UnsafeMutablePointer<Float>
  let gh: UnsafeMutablePointer<Float>
  let ghn: UnsafeMutablePointer<Float>
  let projections: UnsafeMutablePointer<Float>
  let zeroRow: UnsafeMutablePointer<Float>
  let dBiasN: UnsafeMutablePointer<Float>
  let dTokens: UnsafeMutablePointer<Float>
  let bias: UnsafeMutablePointer<Float>
  let dBias: UnsafeMutablePointer<Float>
  let hs: UnsafeMutablePointer<Float>
  let cs: UnsafeMutablePointer<Float>
  let tc: UnsafeMutablePointer<Float>
  let logitRows: UnsafeMutablePointer<Float>
  let probs: UnsafeMutablePointer<Float>
  let dLogits: UnsafeMutablePointer<Float>
  let dhOut: UnsafeMutablePointer<Float>
  let dgx: UnsafeMutablePointer<Float>
  let dgh: UnsafeMutablePointer<Float>
  let dh: UnsafeMutablePointer<Float>
  let dhPrev: UnsafeMutablePointer<Float>
  let dc: UnsafeMutablePointer<Float>
  let dcPrev: UnsafeMutablePointer<Float>
  let dx: UnsafeMutablePointer<Float>
  /// The transformer's buffers; nil for the recurrent cells.
  let transformer: TransformerScratch?
  /// Tokens (T, B) of the last forward pass, for the embedding gradient.
  let tokens: UnsafeMutablePointer<Int32>
  /// Targets of the last forward pass: (T, B) for every-position supervision, (B) otherwise.
  let targets: UnsafeMutablePointer<Int32>

  /// What the last forward pass ran, for `backward` and the accessors.
  var batch = 0
  var steps = 0
  var supervision = Supervision.lastPosition
  var supervisedCount = 0
  var usedInitialState = false
  var hadTokens = false
  /// Whether the last forward pass kept what `backward` reads (false after a forward-only pass).
  var keptForBackward = false
  private var allocations: [UnsafeMutablePointer<Float>] = []
  /// Bytes this workspace allocated (its Float buffers, tokens and targets).
  public private(set) var byteCount = 0

  public init(shape: NetworkShape, capacity: Int, maxSteps: Int) {
    precondition(capacity > 0 && maxSteps > 0, "a workspace needs room for one step of one row")
    precondition(shape.transformer == nil || maxSteps <= shape.positions,
                 "\(maxSteps) steps, but the transformer has \(shape.positions) positions")
    self.shape = shape
    self.capacity = capacity
    self.maxSteps = maxSteps
    let b = capacity, t = maxSteps, e = shape.inputSize, h = shape.hidden
    let gw = shape.gateWidth, c = shape.classes
    let isGRU = shape.cell == .gru, isLSTM = shape.cell == .lstm
    var owned: [UnsafeMutablePointer<Float>] = []
    var bytes = 8 * t * b  // tokens and targets
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let p = AlignedFloats.allocateScratch(count)
      owned.append(p)
      bytes += 4 * max(count, 1)
      return p
    }
    let v = shape.vocabulary
    x = buffer(t * b * e)
    gx = buffer(t * b * gw)
    gh = buffer(isGRU ? b * gw : 0)
    ghn = buffer(isGRU ? t * b * h : 0)
    projections = buffer(v * gw)
    zeroRow = buffer(gw)
    dBiasN = buffer(isGRU ? h : 0)
    dTokens = buffer(v * gw)
    bias = buffer(gw)
    dBias = buffer(gw)
    hs = buffer((t + 1) * b * h)
    cs = buffer(isLSTM ? (t + 1) * b * h : 0)
    tc = buffer(isLSTM ? t * b * h : 0)
    logitRows = buffer(t * b * c)
    probs = buffer(t * b * c)
    dLogits = buffer(t * b * c)
    dhOut = buffer(t * b * h)
    dgx = buffer(t * b * gw)
    dgh = buffer(isGRU ? t * b * gw : 0)
    dh = buffer(b * h)
    dhPrev = buffer(b * h)
    dc = buffer(isLSTM ? b * h : 0)
    dcPrev = buffer(isLSTM ? b * h : 0)
    dx = buffer(t * b * e)
    allocations = owned
    transformer = shape.transformer.map {
      TransformerScratch(sizes: $0, width: h, capacity: b, positions: t, longest: shape.positions)
    }
    byteCount = bytes + (transformer?.byteCount ?? 0)
    tokens = .allocate(capacity: t * b)
    tokens.initialize(repeating: 0, count: t * b)
    targets = .allocate(capacity: t * b)
    targets.initialize(repeating: -1, count: t * b)
  }

  deinit {
    for p in allocations { p.deallocate() }
    tokens.deallocate()
    targets.deallocate()
  }

  /// Bytes of scratch memory this workspace holds.
  public var bytes: Int {
    let b = capacity, t = maxSteps, e = shape.inputSize, h = shape.hidden
    let gw = shape.gateWidth, c = shape.classes
    let v = shape.vocabulary
    let gru = shape.cell == .gru ? b * gw + t * b * gw + t * b * h + h : 0
    let lstm = shape.cell == .lstm ? ((t + 1) + t + 2) * b * h : 0
    let dense = 2 * t * b * e
    let floats = dense + 2 * v * gw + 2 * t * b * gw + (t + 1) * b * h + 3 * t * b * c + t * b * h
      + 2 * b * h + 3 * gw + gru + lstm
    let attention = shape.transformer.map {
      TransformerScratch.floats(sizes: $0, width: h, capacity: b, positions: t, longest: shape.positions)
    } ?? 0
    return 4 * (floats + attention) + 8 * t * b
  }

  // MARK: Reading results of the last forward pass

  /// The initial hidden state h_0 (B × H), read when `forward(…, initialState: true)`.
  public var initialHidden: UnsafeMutablePointer<Float> { hs }
  /// The initial cell state c_0 (B × H), LSTM only.
  public var initialCell: UnsafeMutablePointer<Float> {
    precondition(shape.cell == .lstm, "only an LSTM has a cell state")
    return cs
  }

  /// h_T of the last pass: (B × H), row-major.
  public var finalHidden: UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: hs + steps * batch * shape.hidden, count: batch * shape.hidden)
  }

  /// c_T of the last pass (LSTM only).
  public var finalCell: UnsafeBufferPointer<Float> {
    precondition(shape.cell == .lstm, "only an LSTM has a cell state")
    return UnsafeBufferPointer(start: cs + steps * batch * shape.hidden, count: batch * shape.hidden)
  }

  /// Softmax probabilities (C values) of sequence `row` at its last position.
  public func lastProbabilities(row: Int) -> UnsafeBufferPointer<Float> {
    precondition(row >= 0 && row < batch, "row \(row) outside the batch of \(batch)")
    let c = shape.classes
    let base = supervision == .everyPosition ? (steps - 1) * batch * c : 0
    return UnsafeBufferPointer(start: probs + base + row * c, count: c)
  }

  /// Softmax probabilities at position `step` of sequence `row` (every-position supervision).
  public func probabilities(step: Int, row: Int) -> UnsafeBufferPointer<Float> {
    precondition(supervision == .everyPosition || step == steps - 1,
                 "only the last position has a readout")
    if supervision == .lastPosition { return lastProbabilities(row: row) }
    let c = shape.classes
    return UnsafeBufferPointer(start: probs + (step * batch + row) * c, count: c)
  }

  /// The logits of the last pass: (T, B, C) time-major for every-position supervision, else (B, C).
  public var logits: UnsafeBufferPointer<Float> {
    let rows = supervision == .everyPosition ? steps * batch : batch
    return UnsafeBufferPointer(start: logitRows, count: rows * shape.classes)
  }

  /// ∂loss/∂x of the last backward pass, (T, B, E) time-major: the dense-input gradient (not
  /// computed for token inputs, whose gradient goes straight to the embedding).
  public var inputGradient: UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: dx, count: steps * batch * shape.inputSize)
  }
}
