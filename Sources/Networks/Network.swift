import Specification
import Foundation
import Randomness
import LinearAlgebra

/// A recurrent network: token embedding → one recurrent layer → linear readout, or a causal
/// transformer (Transformer.swift) with the same readout, with all its parameters in one flat
/// Float32 buffer laid out by `ParameterLayout`.
public struct Network: Sendable {
  public let shape: NetworkShape
  public let layout: ParameterLayout
  /// Every parameter, in `layout` order, in one cache-line-aligned buffer (`AlignedFloats`).
  public var parameters: AlignedFloats

  /// Wraps existing parameters (e.g. golden values or a checkpoint).
  public init(shape: NetworkShape, parameters: some Collection<Float>) {
    let layout = ParameterLayout(shape)
    precondition(parameters.count == layout.count,
                 "expected \(layout.count) parameters for this shape, got \(parameters.count)")
    self.shape = shape
    self.layout = layout
    self.parameters = AlignedFloats(parameters)
  }

  /// PyTorch's initialisation, drawn from `seed`: the recurrent weights and biases and the readout
  /// uniform in ±1/√H (`nn.GRU` and friends; `nn.Linear` with fan-in H), the embedding N(0, 1);
  /// for the transformer see `transformerParameters`.
  public init(shape: NetworkShape, seed: UInt64) {
    let layout = ParameterLayout(shape)
    var parameters = [Float](repeating: 0, count: layout.count)
    var random = SeededGenerator(seed: seed, stream: "weights")
    if layout.transformer != nil {
      parameters = Self.transformerParameters(layout, random: &random)
    } else {
      let bound = 1 / Float(shape.hidden).squareRoot()
      for i in layout.embedding { parameters[i] = Float(random.nextGaussian()) }
      for i in layout.inputWeights.lowerBound..<layout.headBias.upperBound {
        parameters[i] = random.uniform(-bound, bound)
      }
    }
    self.shape = shape
    self.layout = layout
    self.parameters = AlignedFloats(parameters)
  }

  /// A zero buffer in this network's layout (for gradients and optimizer moments).
  public func zeroBuffer() -> [Float] { [Float](repeating: 0, count: layout.count) }
}
