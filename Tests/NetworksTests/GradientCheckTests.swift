import Foundation
import Networks
import Randomness
import Specification
import Testing

/// A small random problem: network, inputs and targets, all from one seed.
struct GradientProblem: CustomTestStringConvertible, Sendable {
  let cell: CellKind
  let batch: Int, steps: Int, inputSize: Int, hidden: Int, classes: Int, vocabulary: Int
  let supervision: Supervision
  let initialState: Bool

  var testDescription: String {
    "\(cell) B=\(batch) T=\(steps) E=\(inputSize) H=\(hidden) C=\(classes) "
      + "\(vocabulary == 0 ? "dense" : "V=\(vocabulary)") \(supervision)"
      + (initialState ? " h0" : "")
  }

  static let all: [GradientProblem] = CellKind.allCases.filter(\.isRecurrent).flatMap { cell in
    [
      GradientProblem(cell: cell, batch: 1, steps: 1, inputSize: 3, hidden: 4, classes: 3,
                      vocabulary: 5, supervision: .lastPosition, initialState: false),
      GradientProblem(cell: cell, batch: 1, steps: 1, inputSize: 2, hidden: 3, classes: 2,
                      vocabulary: 0, supervision: .everyPosition, initialState: false),
      GradientProblem(cell: cell, batch: 2, steps: 3, inputSize: 4, hidden: 5, classes: 3,
                      vocabulary: 6, supervision: .everyPosition, initialState: false),
      GradientProblem(cell: cell, batch: 3, steps: 5, inputSize: 2, hidden: 3, classes: 4,
                      vocabulary: 0, supervision: .lastPosition, initialState: false),
      GradientProblem(cell: cell, batch: 1, steps: 7, inputSize: 5, hidden: 6, classes: 5,
                      vocabulary: 7, supervision: .everyPosition, initialState: true),
      GradientProblem(cell: cell, batch: 4, steps: 2, inputSize: 3, hidden: 2, classes: 3,
                      vocabulary: 4, supervision: .lastPosition, initialState: true),
      // Sixteen-lane kernels with a ragged tail (20 = 16 + 4).
      GradientProblem(cell: cell, batch: 2, steps: 4, inputSize: 3, hidden: 20, classes: 3,
                      vocabulary: 5, supervision: .everyPosition, initialState: true),
    ]
  }

  var shape: NetworkShape {
    NetworkShape(cell: cell, vocabulary: vocabulary, inputSize: inputSize, hidden: hidden,
                 classes: classes)
  }

  /// Builds the network and data, and returns a loss function of the parameters plus the analytic
  /// gradient at the starting point.
  func make() -> (start: [Float], loss: ([Float]) -> Double, gradient: [Float]) {
    var random = SeededGenerator(seed: UInt64(batch * 1000 + steps * 100 + hidden), stream: "fd")
    var network = Network(shape: shape, seed: 7)
    // Scale weights up a little so that gates saturate partially and every term matters.
    for i in network.parameters.indices { network.parameters[i] *= 1.5 }
    let tokens = (0..<(steps * batch)).map { _ in Int32(random.nextInt(below: max(vocabulary, 1))) }
    let dense = (0..<(steps * batch * inputSize)).map { _ in random.uniform(-1, 1) }
    let rows = supervision == .everyPosition ? steps * batch : batch
    // Some positions unsupervised (−1) when every position is read out.
    let targets = (0..<rows).map { r -> Int32 in
      supervision == .everyPosition && r % 3 == 1 ? -1 : Int32(random.nextInt(below: classes))
    }
    let h0 = (0..<(batch * hidden)).map { _ in random.uniform(-0.8, 0.8) }
    let c0 = (0..<(batch * hidden)).map { _ in random.uniform(-0.8, 0.8) }
    let ws = Workspace(shape: shape, capacity: batch, maxSteps: steps)

    func forward(_ net: Network) -> Float {
      if initialState {
        ws.initialHidden.update(from: h0, count: h0.count)
        if cell == .lstm { ws.initialCell.update(from: c0, count: c0.count) }
      }
      return targets.withUnsafeBufferPointer { t in
        if vocabulary > 0 {
          return tokens.withUnsafeBufferPointer {
            net.forward(.tokens($0), targets: t, batch: batch, steps: steps,
                        supervision: supervision, initialState: initialState, workspace: ws)
          }
        }
        return dense.withUnsafeBufferPointer {
          net.forward(.dense($0), targets: t, batch: batch, steps: steps,
                      supervision: supervision, initialState: initialState, workspace: ws)
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

@Suite("Finite differences")
struct GradientCheckTests {
  /// Central differences coordinate by coordinate, every parameter of the small network.
  /// Float32 losses limit the accuracy of (L(p+ε) − L(p−ε)) / 2ε to about 1e-7·|L|/ε, hence ε = 1e-2
  /// and a tolerance of 3e-4 absolute plus 2% relative; a wrong gate derivative is off by far more.
  @Test("every parameter against central differences", arguments: GradientProblem.all)
  func coordinates(problem: GradientProblem) {
    let (start, loss, gradient) = problem.make()
    let epsilon: Float = 1e-2
    var failures: [String] = []
    let layout = ParameterLayout(problem.shape)
    for tensor in layout.tensors {
      for i in tensor.range {
        var plus = start, minus = start
        plus[i] += epsilon
        minus[i] -= epsilon
        let numeric = (loss(plus) - loss(minus)) / Double(2 * epsilon)
        let analytic = Double(gradient[i])
        if abs(numeric - analytic) > 3e-4 + 2e-2 * abs(numeric) {
          failures.append("\(tensor.name)[\(i - tensor.range.lowerBound)]: \(analytic) vs \(numeric)")
        }
      }
    }
    #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "; "))")
  }

  /// The directional derivative along a random direction aggregates every coordinate, so it has
  /// a far better signal-to-noise ratio: 0.5% relative.
  @Test("directional derivative", arguments: GradientProblem.all)
  func direction(problem: GradientProblem) {
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
}
