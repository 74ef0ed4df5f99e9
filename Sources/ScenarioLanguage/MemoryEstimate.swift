// How much memory one run needs, estimated from the model, the world and the largest batch, so
// that `taboo check` can refuse a scenario that would not fit before any run starts. Float32
// throughout (4 bytes). Shapes: B batch, T time steps, E embedding, H hidden, G gate blocks
// (Elman 1, GRU 3, LSTM 4), V input tokens, C classes.

import Specification

/// The memory one run needs, by part.
public struct MemoryEstimate: Sendable, Equatable {
  /// Weights (embedding V×E, recurrent G·H×(E+H) plus two G·H biases, readout C×H + C).
  public var parameterCount: Int
  /// Weights, gradients and optimizer moments: parameters × 4 copies (Adam: m and v) × 4 bytes.
  public var parameterBytes: Double
  /// Forward and backward buffers of the largest batch: B × T × floats per position × 4 bytes.
  public var activationBytes: Double
  /// The items' tokens and targets, with and without password.
  public var dataBytes: Double

  public var totalBytes: Double { parameterBytes + activationBytes + dataBytes }

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
    let count = Double(shape.parameterCount)
    parameterCount = Int(min(count, 9e18))
    // weights, gradients, and two optimizer moments
    parameterBytes = count * 4 * 4
    let t = Double(sequenceLength + 1)
    let steps = window.map { Double($0) * (t + 1) } ?? t
    timeSteps = Int(min(steps, 9e18))
    self.batch = batch
    // per (example, step): embedding and its gradient 2E, gate pre-activations, activations and
    // their gradients 4GH, hidden (and cell) state and gradients 4H, logits, softmax and their
    // gradient 3C
    let perPosition = 2 * e + 4 * g * h + 4 * h + 3 * c
    activationBytes = Double(batch) * steps * perPosition * 4
    dataBytes = Double(items) * 2 * (t + t) * 4
  }

  /// `3.1 GiB (parameters 1.2 MiB, activations 3.1 GiB for a batch of 288 × 7 steps, data 42 KiB)`
  public var summary: String {
    "\(formatBytes(totalBytes)) (parameters and optimizer \(formatBytes(parameterBytes)), "
      + "activations \(formatBytes(activationBytes)) for a batch of \(batch) × \(timeSteps) steps, "
      + "data \(formatBytes(dataBytes)))"
  }
}
