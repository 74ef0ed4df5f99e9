import Specification

/// Named offsets into one flat Float32 buffer. Parameters, gradients and optimizer moments all
/// share this layout, so zeroing, clipping, an optimizer update and a checkpoint are each one loop.
///
/// Order and shapes (row-major, PyTorch's conventions):
///   embedding (V × E) · W_ih (G·H × E) · W_hh (G·H × H) · b_ih (G·H) · b_hh (G·H) ·
///   head W (C × H) · head b (C)
/// The transformer's order is in TransformerLayout.swift; its embedding, input projection
/// (`inputWeights`, `inputBias`) and head share these names, its recurrent ranges are empty.
public struct ParameterLayout: Sendable, Hashable {
  public let shape: NetworkShape
  public let embedding: Range<Int>
  public let inputWeights: Range<Int>
  public let recurrentWeights: Range<Int>
  public let inputBias: Range<Int>
  public let recurrentBias: Range<Int>
  public let headWeights: Range<Int>
  public let headBias: Range<Int>
  /// The transformer's positions, blocks and final norm; nil for the recurrent cells.
  public let transformer: TransformerLayout?

  public init(_ shape: NetworkShape) {
    self.shape = shape
    let gh = shape.gateWidth
    var offset = 0
    func next(_ count: Int) -> Range<Int> {
      defer { offset += count }
      return offset..<(offset + count)
    }
    if let sizes = shape.transformer {
      let d = shape.hidden
      embedding = next(shape.vocabulary * d)
      inputWeights = next(shape.vocabulary > 0 ? 0 : d * shape.inputSize)
      inputBias = next(shape.vocabulary > 0 ? 0 : d)
      recurrentWeights = offset..<offset
      recurrentBias = offset..<offset
      transformer = TransformerLayout(sizes, width: d, positions: shape.positions, next: next)
      headWeights = next(shape.classes * d)
      headBias = next(shape.classes)
      return
    }
    transformer = nil
    embedding = next(shape.vocabulary * shape.inputSize)
    inputWeights = next(gh * shape.inputSize)
    recurrentWeights = next(gh * shape.hidden)
    inputBias = next(gh)
    recurrentBias = next(gh)
    headWeights = next(shape.classes * shape.hidden)
    headBias = next(shape.classes)
  }

  /// The total number of Float32 values.
  public var count: Int { headBias.upperBound }

  /// Every tensor with its PyTorch-style name and shape, in buffer order.
  public var tensors: [(name: String, range: Range<Int>, shape: [Int])] {
    let gh = shape.gateWidth
    if let transformer {
      let d = shape.hidden
      let input: [(name: String, range: Range<Int>, shape: [Int])] =
        shape.vocabulary > 0
        ? [("embedding", embedding, [shape.vocabulary, d])]
        : [("W_in", inputWeights, [d, shape.inputSize]), ("b_in", inputBias, [d])]
      return input + transformer.tensors + [
        ("head_W", headWeights, [shape.classes, d]), ("head_b", headBias, [shape.classes]),
      ]
    }
    return [
      ("embedding", embedding, [shape.vocabulary, shape.inputSize]),
      ("W_ih", inputWeights, [gh, shape.inputSize]),
      ("W_hh", recurrentWeights, [gh, shape.hidden]),
      ("b_ih", inputBias, [gh]),
      ("b_hh", recurrentBias, [gh]),
      ("head_W", headWeights, [shape.classes, shape.hidden]),
      ("head_b", headBias, [shape.classes]),
    ]
  }

  /// The range of the tensor called `name` (as in `tensors`), if any.
  public func range(named name: String) -> Range<Int>? {
    tensors.first { $0.name == name }?.range
  }
}
