import Foundation
import Networks
import Randomness
import Specification
import Testing

/// A small random transformer problem: network, inputs and targets, all from one seed.
struct TransformerProblem: CustomTestStringConvertible, Sendable {
  let batch: Int, steps: Int, width: Int, heads: Int, layers: Int, feedForward: Int
  let classes: Int, vocabulary: Int, inputSize: Int
  let supervision: Supervision
  /// Positions beyond the pass (P > T): rows the pass does not read, whose gradient is zero.
  let positions: Int

  var testDescription: String {
    "B=\(batch) T=\(steps) D=\(width) heads=\(heads) N=\(layers) F=\(feedForward) C=\(classes) "
      + "\(vocabulary == 0 ? "dense E=\(inputSize)" : "V=\(vocabulary)") \(supervision) P=\(positions)"
  }

  static let all: [TransformerProblem] = [
    // T = 1: each position attends to itself alone.
    TransformerProblem(batch: 2, steps: 1, width: 4, heads: 2, layers: 1, feedForward: 6,
                       classes: 3, vocabulary: 5, inputSize: 4, supervision: .lastPosition,
                       positions: 1),
    TransformerProblem(batch: 3, steps: 1, width: 6, heads: 3, layers: 2, feedForward: 5,
                       classes: 2, vocabulary: 0, inputSize: 3, supervision: .everyPosition,
                       positions: 2),
    // One head of the whole width; D = 4 into 1, 2, 4 heads; D = 6 into 2 and 3.
    TransformerProblem(batch: 2, steps: 4, width: 4, heads: 1, layers: 1, feedForward: 8,
                       classes: 3, vocabulary: 6, inputSize: 4, supervision: .everyPosition,
                       positions: 4),
    TransformerProblem(batch: 2, steps: 3, width: 4, heads: 2, layers: 2, feedForward: 7,
                       classes: 4, vocabulary: 0, inputSize: 2, supervision: .lastPosition,
                       positions: 5),
    TransformerProblem(batch: 1, steps: 5, width: 4, heads: 4, layers: 2, feedForward: 4,
                       classes: 3, vocabulary: 7, inputSize: 4, supervision: .everyPosition,
                       positions: 5),
    TransformerProblem(batch: 3, steps: 3, width: 6, heads: 2, layers: 1, feedForward: 9,
                       classes: 5, vocabulary: 4, inputSize: 6, supervision: .lastPosition,
                       positions: 3),
    TransformerProblem(batch: 2, steps: 4, width: 6, heads: 3, layers: 2, feedForward: 6,
                       classes: 3, vocabulary: 0, inputSize: 5, supervision: .everyPosition,
                       positions: 4),
    // Longer passes (stream windows are tens of positions).
    TransformerProblem(batch: 2, steps: 20, width: 4, heads: 2, layers: 1, feedForward: 4,
                       classes: 3, vocabulary: 5, inputSize: 4, supervision: .everyPosition,
                       positions: 20),
    TransformerProblem(batch: 1, steps: 17, width: 6, heads: 3, layers: 2, feedForward: 3,
                       classes: 2, vocabulary: 0, inputSize: 2, supervision: .lastPosition,
                       positions: 18),
    // Eight-lane norm kernels with a ragged tail (D = 10 = 8 + 2), heads of 5.
    TransformerProblem(batch: 2, steps: 3, width: 10, heads: 2, layers: 1, feedForward: 12,
                       classes: 3, vocabulary: 5, inputSize: 10, supervision: .everyPosition,
                       positions: 3),
    // Passes in chunks: P = 100 makes chunks of one block of lanes (8 sequences; 16 in portable
    // builds), so B = 19 runs as 8 + 8 + 3 (16 + 3), the last with padded attention blocks.
    TransformerProblem(batch: 19, steps: 3, width: 4, heads: 2, layers: 2, feedForward: 5,
                       classes: 3, vocabulary: 0, inputSize: 3, supervision: .everyPosition,
                       positions: 100),
    TransformerProblem(batch: 19, steps: 2, width: 6, heads: 3, layers: 1, feedForward: 4,
                       classes: 4, vocabulary: 5, inputSize: 6, supervision: .lastPosition,
                       positions: 100),
  ]

  var shape: NetworkShape {
    NetworkShape(
      transformer: TransformerSizes(layers: layers, heads: heads, feedForward: feedForward,
                                    width: width),
      vocabulary: vocabulary, inputSize: inputSize, hidden: width, classes: classes,
      positions: positions)
  }

  /// Builds the network and data; returns a loss function of the parameters and the analytic
  /// gradient at the starting point.
  func make() -> (start: [Float], loss: ([Float]) -> Double, gradient: [Float]) {
    var random = SeededGenerator(seed: UInt64(batch * 1000 + steps * 100 + width * 10 + heads),
                                 stream: "fd")
    var network = Network(shape: shape, seed: 7)
    // Move every parameter off its initial value, so that the norms' weights and biases and
    // the attention biases (initially one and zero) are not special points.
    for i in network.parameters.indices { network.parameters[i] += random.uniform(-0.3, 0.3) }
    let tokens = (0..<(steps * batch)).map { _ in Int32(random.nextInt(below: max(vocabulary, 1))) }
    let dense = (0..<(steps * batch * inputSize)).map { _ in random.uniform(-1, 1) }
    let rows = supervision == .everyPosition ? steps * batch : batch
    let targets = (0..<rows).map { r -> Int32 in
      supervision == .everyPosition && r % 3 == 1 ? -1 : Int32(random.nextInt(below: classes))
    }
    let ws = Workspace(shape: shape, capacity: batch, maxSteps: steps)
    func forward(_ net: Network) -> Float {
      targets.withUnsafeBufferPointer { t in
        if vocabulary > 0 {
          return tokens.withUnsafeBufferPointer {
            net.forward(.tokens($0), targets: t, batch: batch, steps: steps,
                        supervision: supervision, workspace: ws)
          }
        }
        return dense.withUnsafeBufferPointer {
          net.forward(.dense($0), targets: t, batch: batch, steps: steps,
                      supervision: supervision, workspace: ws)
        }
      }
    }
    _ = forward(network)
    var gradient = network.zeroBuffer()
    network.backward(workspace: ws, into: &gradient)
    let shape = self.shape
    return (Array(network.parameters), { Double(forward(Network(shape: shape, parameters: $0))) }, gradient)
  }
}

@Suite("Finite differences: transformer")
struct TransformerGradientCheckTests {
  /// Central differences coordinate by coordinate, every parameter, with the cells' ε and
  /// tolerance (GradientCheckTests.swift).
  @Test("every parameter against central differences", arguments: TransformerProblem.all)
  func coordinates(problem: TransformerProblem) {
    let (start, loss, gradient) = problem.make()
    let epsilon: Float = 1e-2
    var failures: [String] = []
    var checked = 0
    for tensor in ParameterLayout(problem.shape).tensors {
      for i in tensor.range {
        var plus = start, minus = start
        plus[i] += epsilon
        minus[i] -= epsilon
        let numeric = (loss(plus) - loss(minus)) / Double(2 * epsilon)
        let analytic = Double(gradient[i])
        checked += 1
        if abs(numeric - analytic) > 3e-4 + 2e-2 * abs(numeric) {
          failures.append("\(tensor.name)[\(i - tensor.range.lowerBound)]: \(analytic) vs \(numeric)")
        }
      }
    }
    #expect(checked == start.count)
    #expect(failures.isEmpty, "\(failures.count) of \(checked): \(failures.prefix(5).joined(separator: "; "))")
  }

  /// Along a random direction, 0.5% relative.
  @Test("directional derivative", arguments: TransformerProblem.all)
  func direction(problem: TransformerProblem) {
    let (start, loss, gradient) = problem.make()
    var random = SeededGenerator(seed: 99, stream: "direction")
    let u = start.map { _ in random.uniform(-1, 1) }
    let epsilon: Float = 2e-3
    let plus = zip(start, u).map { $0 + epsilon * $1 }
    let minus = zip(start, u).map { $0 - epsilon * $1 }
    let numeric = (loss(plus) - loss(minus)) / Double(2 * epsilon)
    let analytic = zip(gradient, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(numeric - analytic) <= 1e-4 + 5e-3 * abs(analytic),
            "analytic \(analytic) vs numeric \(numeric)")
  }

  /// The gradient is not trivially satisfied: the blocks' weights all receive some.
  @Test("every weight matrix gets a gradient", arguments: TransformerProblem.all)
  func nonzero(problem: TransformerProblem) {
    let (_, _, gradient) = problem.make()
    for tensor in ParameterLayout(problem.shape).tensors
    where tensor.name.hasSuffix("weight") || tensor.name == "head_W" {
      #expect(gradient[tensor.range].contains { $0 != 0 }, "\(tensor.name)")
    }
  }
}
