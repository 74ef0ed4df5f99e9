import Networks
import Randomness
import Specification
import Testing

/// A small transformer of D = 16 (4 heads, 2 blocks, F = 64) over 7 positions of 7 tokens.
let smallTransformer = NetworkShape(
  transformer: TransformerSizes(width: 16), vocabulary: 7, inputSize: 16, hidden: 16, classes: 5,
  positions: 7)

/// Data drawn from `seed`: 12 sequences of 7 tokens, each position's target its token mod 5.
func transformerData(seed: UInt64) -> (tokens: [Int32], targets: [Int32]) {
  var random = SeededGenerator(seed: seed, stream: "data")
  let tokens = (0..<84).map { _ in Int32(random.nextInt(below: 7)) }
  return (tokens, tokens.map { Int32($0 % 5) })
}

func transformerLoss(_ network: Network, seed: UInt64) -> Float {
  let (tokens, targets) = transformerData(seed: seed)
  let ws = Workspace(shape: network.shape, capacity: 12, maxSteps: 7)
  return tokens.withUnsafeBufferPointer { t in
    targets.withUnsafeBufferPointer { y in
      network.forward(.tokens(t), targets: y, batch: 12, steps: 7, supervision: .everyPosition,
                      workspace: ws)
    }
  }
}

/// `steps` Adam steps with clipping from `Network(seed:)`, on the data of `seed`.
func trainTransformerBriefly(seed: UInt64, steps: Int = 60) -> [Float] {
  var network = Network(shape: smallTransformer, seed: seed)
  let (tokens, targets) = transformerData(seed: seed)
  let ws = Workspace(shape: smallTransformer, capacity: 12, maxSteps: 7)
  var gradient = network.zeroBuffer()
  var adam = Optimizer(rule: .adam(), learningRate: 0.01, parameterCount: network.layout.count)
  for _ in 0..<steps {
    tokens.withUnsafeBufferPointer { t in
      targets.withUnsafeBufferPointer { y in
        _ = network.forward(.tokens(t), targets: y, batch: 12, steps: 7,
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

@Suite("Determinism: transformer")
struct TransformerDeterminismTests {
  @Test("same seed, bit-identical parameters after training; another seed differs")
  func sameSeedSameBits() {
    let a = trainTransformerBriefly(seed: 1)
    let b = trainTransformerBriefly(seed: 1)
    let c = trainTransformerBriefly(seed: 2)
    #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    #expect(a != c)
  }

  @Test("training reduces the loss")
  func learns() {
    let before = Network(shape: smallTransformer, seed: 3)
    let after = Network(shape: smallTransformer, parameters: trainTransformerBriefly(seed: 3, steps: 150))
    #expect(transformerLoss(after, seed: 3) < 0.5 * transformerLoss(before, seed: 3))
  }

  @Test("a pass reads nothing of an earlier one: initialState and leftovers change no bit")
  func noCarriedState() {
    let network = Network(shape: smallTransformer, seed: 5)
    let (tokens, targets) = transformerData(seed: 5)
    let fresh = Workspace(shape: smallTransformer, capacity: 12, maxSteps: 7)
    let used = Workspace(shape: smallTransformer, capacity: 12, maxSteps: 7)
    func run(_ ws: Workspace, initialState: Bool) -> [UInt32] {
      tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          _ = network.forward(.tokens(t), targets: y, batch: 12, steps: 7,
                              supervision: .everyPosition, initialState: initialState, workspace: ws)
        }
      }
      return ws.logits.map(\.bitPattern)
    }
    let reference = run(fresh, initialState: false)
    // Another pass first, then garbage where a recurrent cell would read h_0.
    let other = Network(shape: smallTransformer, seed: 6)
    tokens.withUnsafeBufferPointer { t in
      targets.withUnsafeBufferPointer { y in
        _ = other.forward(.tokens(t), targets: y, batch: 12, steps: 7,
                          supervision: .everyPosition, workspace: used)
      }
    }
    used.initialHidden.update(repeating: 3, count: 12 * 16)
    #expect(run(used, initialState: true) == reference)
  }

  @Test("causal: a later token changes no earlier position's output")
  func causal() {
    let network = Network(shape: smallTransformer, seed: 8)
    var (tokens, targets) = transformerData(seed: 8)
    func logits() -> [Float] {
      let ws = Workspace(shape: smallTransformer, capacity: 12, maxSteps: 7)
      tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          _ = network.forward(.tokens(t), targets: y, batch: 12, steps: 7,
                              supervision: .everyPosition, workspace: ws)
        }
      }
      return Array(ws.logits)
    }
    let before = logits()
    // Position 4 of sequence 0 (time-major: row 4·12).
    tokens[4 * 12] = (tokens[4 * 12] + 1) % 7
    let after = logits()
    let c = 5, rowsBefore = 4 * 12
    #expect(Array(before[0..<(rowsBefore * c)]) == Array(after[0..<(rowsBefore * c)]))
    #expect(before[(rowsBefore * c)..<((rowsBefore + 1) * c)] != after[(rowsBefore * c)..<((rowsBefore + 1) * c)])
  }

  @Test("initialisation follows PyTorch's rules")
  func initialisation() throws {
    let network = Network(shape: smallTransformer, seed: 11)
    let layout = network.layout, p = network.parameters
    let t = try #require(layout.transformer)
    #expect(p[layout.embedding].contains { abs($0) > 1 })  // N(0, 1)
    #expect(p[t.position].contains { abs($0) > 1 })
    let xavier = (6 / Float(16 + 48)).squareRoot()
    for block in t.blocks {
      #expect(p[block.norm1Weight].allSatisfy { $0 == 1 } && p[block.norm2Weight].allSatisfy { $0 == 1 })
      #expect(p[block.norm1Bias].allSatisfy { $0 == 0 } && p[block.norm2Bias].allSatisfy { $0 == 0 })
      #expect(p[block.inProjectionWeight].allSatisfy { abs($0) <= xavier })
      #expect(p[block.inProjectionWeight].contains { abs($0) > 0.25 })  // wider than 1/√16
      #expect(p[block.inProjectionBias].allSatisfy { $0 == 0 })
      #expect(p[block.outProjectionBias].allSatisfy { $0 == 0 })
      #expect(p[block.outProjectionWeight].allSatisfy { abs($0) <= 0.25 })
      #expect(p[block.linear1Weight].allSatisfy { abs($0) <= 0.25 })
      #expect(p[block.linear2Weight].allSatisfy { abs($0) <= 0.125 })  // 1/√64
      #expect(p[block.linear2Bias].contains { $0 != 0 })
    }
    #expect(p[t.normWeight].allSatisfy { $0 == 1 })
    #expect(p[layout.headWeights].allSatisfy { abs($0) <= 0.25 })
    #expect(layout.count == smallTransformer.parameterCount)
  }
}

@Suite("Transformer passes in chunks")
struct TransformerChunkTests {
  /// A network whose longest pass has 100 positions runs passes in chunks of one block of lanes
  /// (Transformer.chunkSequences); a pass of 19 sequences is three chunks, the last with padded
  /// attention blocks. Every sequence's probabilities at every position match a pass of that
  /// sequence alone, for tokens and dense inputs (the gradients are checked against central
  /// differences with the same shapes in TransformerGradientCheckTests).
  @Test("a pass in chunks gives each sequence what a pass of it alone gives", arguments: [0, 3])
  func chunksMatchSingleSequences(inputSize dense: Int) {
    let b = 19, t = 4
    let shape = NetworkShape(
      transformer: TransformerSizes(layers: 2, heads: 2, feedForward: 12, width: 8),
      vocabulary: dense > 0 ? 0 : 6, inputSize: dense > 0 ? dense : 8, hidden: 8, classes: 3,
      positions: 100)
    var random = SeededGenerator(seed: 4, stream: "chunks")
    let network = Network(shape: shape, seed: 5)
    let tokens = (0..<(t * b)).map { _ in Int32(random.nextInt(below: 6)) }
    let x = (0..<(t * b * max(dense, 1))).map { _ in random.uniform(-1, 1) }
    let targets = [Int32](repeating: -1, count: t * b)
    func pass(_ rows: [Int]) -> Workspace {
      let ws = Workspace(shape: shape, capacity: rows.count, maxSteps: t)
      let n = rows.count
      var input: [Int32] = [], values: [Float] = []
      for step in 0..<t {
        for row in rows {
          input.append(tokens[step * b + row])
          let start = (step * b + row) * dense
          values.append(contentsOf: x[start..<(start + dense)])
        }
      }
      input.withUnsafeBufferPointer { tokens in
        values.withUnsafeBufferPointer { values in
          targets[0..<(t * n)].withUnsafeBufferPointer { y in
            _ = network.forward(dense > 0 ? .dense(values) : .tokens(tokens), targets: y, batch: n,
                                steps: t, supervision: .everyPosition, workspace: ws)
          }
        }
      }
      return ws
    }
    let all = pass(Array(0..<b))
    var worst: Float = 0
    for row in 0..<b {
      let alone = pass([row])
      for step in 0..<t {
        for (p, q) in zip(all.probabilities(step: step, row: row), alone.probabilities(step: step, row: 0)) {
          worst = max(worst, abs(p - q))
        }
      }
    }
    #expect(worst <= 1e-5, "largest difference \(worst)")
  }
}

@Suite("Parameter storage")
struct ParameterStorageTests {
  /// The storage's point (AlignedFloats.swift): the matrices OpenBLAS streams start cache lines,
  /// however the buffer came to be — drawn from a seed, wrapped from an array, copied on a write
  /// after being shared, or updated in place by the optimizer.
  @Test("every tensor of the canonical transformer and GRU starts a 64-byte line")
  func tensorsStartLines() {
    let transformer = NetworkShape(
      transformer: TransformerSizes(width: 64), vocabulary: 7, inputSize: 64, hidden: 64, classes: 5,
      positions: 7)
    let gru = NetworkShape(cell: .gru, vocabulary: 7, inputSize: 32, hidden: 64, classes: 5)
    for shape in [transformer, gru] {
      var network = Network(shape: shape, seed: 3)
      let wrapped = Network(shape: shape, parameters: Array(network.parameters))
      let shared = network
      var adam = Optimizer(rule: .adam(), learningRate: 0.01, parameterCount: network.layout.count)
      adam.update(&network.parameters, gradient: network.zeroBuffer().map { _ in 0.5 })
      #expect(network.parameters != shared.parameters)
      for candidate in [network, wrapped, shared] {
        let base = candidate.parameters.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
        for tensor in candidate.layout.tensors where !tensor.range.isEmpty {
          #expect((base + 4 * tensor.range.lowerBound) % 64 == 0, "\(shape.cell) \(tensor.name)")
        }
      }
    }
  }
}
