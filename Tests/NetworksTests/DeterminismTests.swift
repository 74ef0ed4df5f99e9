import Networks
import Randomness
import Specification
import Testing

/// Trains a small GRU for `steps` Adam steps on data drawn from `seed`; returns the parameters.
func trainBriefly(cell: CellKind, seed: UInt64, steps: Int = 100) -> [Float] {
  let shape = NetworkShape(cell: cell, vocabulary: 7, inputSize: 8, hidden: 16, classes: 5)
  var network = Network(shape: shape, seed: seed)
  var random = SeededGenerator(seed: seed, stream: "data")
  let batch = 12, length = 7
  let tokens = (0..<(batch * length)).map { _ in Int32(random.nextInt(below: 7)) }
  let targets = tokens.map { Int32($0 % 5) }
  let ws = Workspace(shape: shape, capacity: batch, maxSteps: length)
  var gradient = network.zeroBuffer()
  var adam = Optimizer(rule: .adam(), learningRate: 0.01, parameterCount: network.layout.count)
  for _ in 0..<steps {
    tokens.withUnsafeBufferPointer { t in
      targets.withUnsafeBufferPointer { y in
        _ = network.forward(.tokens(t), targets: y, batch: batch, steps: length,
                            supervision: .everyPosition, workspace: ws)
      }
    }
    for i in gradient.indices { gradient[i] = 0 }
    network.backward(workspace: ws, into: &gradient)
    clipGradientNorm(&gradient, maxNorm: 1)
    adam.update(&network.parameters, gradient: gradient)
  }
  return Array(network.parameters)
}

@Suite("Determinism")
struct DeterminismTests {
  @Test("same seed, bit-identical parameters after 100 steps; another seed differs",
        arguments: CellKind.allCases.filter(\.isRecurrent))
  func sameSeedSameBits(cell: CellKind) {
    let a = trainBriefly(cell: cell, seed: 1)
    let b = trainBriefly(cell: cell, seed: 1)
    let c = trainBriefly(cell: cell, seed: 2)
    #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    #expect(a != c)
  }

  @Test("training reduces the loss (the loop above really learns)")
  func learns() {
    let shape = NetworkShape(cell: .gru, vocabulary: 7, inputSize: 8, hidden: 16, classes: 5)
    let before = Network(shape: shape, seed: 3)
    let after = Network(shape: shape, parameters: trainBriefly(cell: .gru, seed: 3, steps: 200))
    var random = SeededGenerator(seed: 3, stream: "data")
    let tokens = (0..<84).map { _ in Int32(random.nextInt(below: 7)) }
    let targets = tokens.map { Int32($0 % 5) }
    let ws = Workspace(shape: shape, capacity: 12, maxSteps: 7)
    func loss(_ n: Network) -> Float {
      tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          n.forward(.tokens(t), targets: y, batch: 12, steps: 7, supervision: .everyPosition,
                    workspace: ws)
        }
      }
    }
    #expect(loss(after) < 0.5 * loss(before))
  }

  @Test("initialisation follows PyTorch's bounds")
  func initialisation() {
    let shape = NetworkShape(cell: .lstm, vocabulary: 7, inputSize: 8, hidden: 16, classes: 5)
    let network = Network(shape: shape, seed: 11)
    let layout = network.layout
    let recurrent = network.parameters[layout.inputWeights.lowerBound..<layout.headBias.upperBound]
    #expect(recurrent.allSatisfy { abs($0) <= 0.25 })  // 1/√16
    #expect(recurrent.contains { abs($0) > 0.2 })
    let embedding = network.parameters[layout.embedding]
    #expect(embedding.contains { abs($0) > 1 })  // N(0, 1), not uniform
  }
}
