// How much memory one run needs, estimated from the model, the world and the largest batch, so
// that `taboo check` can refuse a scenario that would not fit before any run starts. Float32
// throughout (4 bytes). Shapes: B batch, T time steps, E embedding, H hidden, G gate blocks
// (Elman 1, GRU 3, LSTM 4), V input tokens, C classes; a transformer's width D is H, with N
// blocks of `heads` heads and MLP width F.

import ScenarioLanguage
import Specification

/// The memory one run needs, by part.
public struct MemoryEstimate: Sendable, Equatable {
  /// Weights (embedding V×E, recurrent G·H×(E+H) plus two G·H biases, readout C×H + C).
  public var parameterCount: Int
  /// Weights, gradients and optimizer moments: parameters × 4 copies (Adam: m and v) × 4 bytes.
  public var parameterBytes: Double
  /// Branch checkpoints (weights and two moments per phase a later one starts `from`,
  /// docs/design.md §4) and the phases' start weights the geometry keeps at once (§6.10; they
  /// also serve `perturb like`).
  public var snapshotBytes: Double = 0
  /// Forward and backward buffers of the largest batch: B × T × floats per position × 4 bytes.
  public var activationBytes: Double
  /// The items' tokens and targets, with and without password.
  public var dataBytes: Double

  public var totalBytes: Double { parameterBytes + snapshotBytes + activationBytes + dataBytes }

  /// The shape of the work, in the terms above.
  public var batch: Int
  public var timeSteps: Int

  /// - Parameters:
  ///   - shape: the network (its vocabulary includes the start, password and, in stream mode,
  ///     answer tokens; `NetworkShape.parameterCount` is the layout's own count).
  ///   - sequenceLength: tokens per item without the start token; T = length + 1.
  ///   - window: `context stream W` presents W examples (each T tokens and an answer) as one
  ///     sequence; nil in `context reset`.
  public init(shape: NetworkShape, sequenceLength: Int, batch: Int, items: Int, window: Int? = nil) {
    let g = Double(shape.cell.gates)
    let h = Double(shape.hidden)
    let e = Double(shape.inputSize)
    let c = Double(shape.classes)
    let v = Double(shape.vocabulary)
    let count = Double(shape.parameterCount)
    parameterCount = Int(min(count, 9e18))
    // weights, gradients, and two optimizer moments
    parameterBytes = count * 4 * 4
    let t = Double(sequenceLength + 1)
    let steps = window.map { Double($0) * (t + 1) } ?? t
    timeSteps = Int(min(steps, 9e18))
    self.batch = batch
    // per (row, step): embedding and its gradient 2E, gate pre-activations, activations and
    // their gradients 4GH, hidden (and cell) state and gradients 4H, logits, softmax and their
    // gradient 3C; per workspace, the token projections and their gradients 2·V·GH.
    let perPosition = 2 * e + 4 * g * h + 4 * h + 3 * c
    let perWorkspace = 2 * v * g * h + 4 * g * h
    // The trainer's workspaces: the batch's (at least a probe chunk) over T steps; in stream
    // mode a probe chunk over T and the lanes over a window of W examples.
    let probeRows = Double(Prober.chunkSize(items: items))
    let positions =
      window == nil ? max(Double(batch), probeRows) * t : probeRows * t + Double(batch) * steps
    activationBytes = (positions * perPosition + (window == nil ? 1 : 2) * perWorkspace) * 4
    if let sizes = shape.transformer {
      // per (row, step), TransformerWorkspace.swift: the residual stream entering each of the N
      // blocks and the final norm, per block the norms' outputs, q, k, v, the context, the
      // stream after attention and the MLP (7D + 2F), the norms' statistics, the backward
      // buffers (6D + F); besides the inputs, final outputs, readout, their gradients, tokens
      // and targets (Workspace.swift), per row h_0 and two state gradients the cells use, and
      // per workspace the (T × T) score gradient and the cells' unused buffers (a float each).
      // The attention weights are N·heads·T per position of a pass of T steps: quadratic in T.
      // Small passes also keep the norms' outputs feature-major (2N·D, bounded per row), and
      // each block's attention scratch holds a block of lanes' ∂scores and buffers and every
      // padded block's q, k, v and weights (TransformerKernels.attentionScratch, 8 lanes).
      let n = Double(sizes.layers), heads = Double(sizes.heads), f = Double(sizes.feedForward)
      let linear = 2 * e + 2 * h + 3 * c + 2 + (n + 1) * h + n * (9 * h + 2 * f) + 2 * (2 * n + 1)
        + 6 * h + f
      func pass(rows: Double, steps: Double) -> Double {
        let scratch = 16 * ((1 + heads) * steps * (steps + 1) / 2 + (4 * h / heads + 3 * h) * steps)
        return rows * steps * (linear + n * heads * steps) + rows * 3 * h + steps * steps + 32
          + n * scratch
      }
      let floats =
        window == nil
        ? pass(rows: max(Double(batch), probeRows), steps: t)
        : pass(rows: probeRows, steps: t) + pass(rows: Double(batch), steps: steps)
      activationBytes = floats * 4
    }
    dataBytes = Double(items) * 2 * (t + t) * 4
  }

  /// `3.1 GiB (parameters 1.2 MiB, activations 3.1 GiB for a batch of 288 × 7 steps, data 42 KiB)`
  public var summary: String {
    "\(formatBytes(totalBytes)) (parameters and optimizer \(formatBytes(parameterBytes)), "
      + (snapshotBytes > 0 ? "checkpoints and start weights \(formatBytes(snapshotBytes)), " : "")
      + "activations \(formatBytes(activationBytes)) for a batch of \(batch) × \(timeSteps) steps, "
      + "data \(formatBytes(dataBytes)))"
  }
}

extension MemoryEstimate {
  /// The estimate for a run of `spec`: its network, and the largest batch any phase can take
  /// (`batch all`: the most examples its union can have; in stream mode `batch N` is N lanes,
  /// which the union does not bound), from the set sizes the language can tell before a draw.
  public init(spec: RunSpec) {
    let sizes = Dictionary(spec.staticSetSizes.map { ($0.name, $0.size.most) }, uniquingKeysWith: { _, b in b })
    var batch = 1
    for phase in spec.phases {
      var union = 0
      for stream in phase.streams { union = min(union + (sizes[stream.set] ?? spec.world.items), Int.max / 4) }
      switch phase.training.batch {
      case .all: batch = max(batch, union)
      case .size(let n): batch = max(batch, spec.context.window == nil ? min(n, max(union, 1)) : n)
      }
    }
    self.init(
      shape: spec.networkShape, sequenceLength: spec.world.sequenceLength, batch: batch, items: spec.world.items,
      window: spec.context.window)
    let copies = 3 * spec.branchPoints.count + PhaseStarts.mostHeld(spec.phases)
    snapshotBytes = Double(copies) * Double(spec.networkShape.parameterCount) * 4
  }
}

/// The simulator's model of a run for `taboo check`: a run must fit in `Limits.memoryBytes`.
public struct StaticModel: RunModel {
  public init() {}

  public func problems(of spec: RunSpec) -> [RunProblem] {
    let estimate = MemoryEstimate(spec: spec)
    guard estimate.totalBytes > Double(Limits.memoryBytes) else { return [] }
    return [
      RunProblem(
        code: .memoryLimit,
        message: "a run would need about \(formatBytes(estimate.totalBytes)) of memory, above the limit of "
          + formatBytes(Double(Limits.memoryBytes)),
        notes: ["estimate: \(estimate.summary)"],
        help: "use a smaller batch ('batch 256'), a smaller model, fewer items or a shorter stream window")
    ]
  }
}
