import LinearAlgebra
import Networks
import Randomness
import Specification
import Testing

@Suite("Optimizers and clipping, against hand-worked numbers")
struct OptimizerTests {
  @Test("SGD with momentum 0.9, lr 0.1, two steps")
  func sgdMomentum() {
    // Step 1: b = g = (0.5, 1);          p = (1, −2) − 0.1·b       = (0.95, −2.1)
    // Step 2: b = 0.9·(0.5, 1) + (0.5, 1) = (0.95, 1.9); p − 0.1·b = (0.855, −2.29)
    var p: AlignedFloats = [1, -2]
    var sgd = Optimizer(rule: .sgd(momentum: 0.9), learningRate: 0.1, parameterCount: 2)
    sgd.update(&p, gradient: [0.5, 1])
    #expect(p == [0.95, -2.1])
    sgd.update(&p, gradient: [0.5, 1])
    #expect(abs(p[0] - 0.855) < 1e-6 && abs(p[1] + 2.29) < 1e-6, "\(p)")
    #expect(sgd.first == [0.95, 1.9])
  }

  @Test("plain SGD: p − lr·g")
  func sgdPlain() {
    var p: AlignedFloats = [1, 2, 3]
    var sgd = Optimizer(rule: .sgd(), learningRate: 0.5, parameterCount: 3)
    sgd.update(&p, gradient: [2, -2, 0])
    #expect(p == [0, 3, 3])
  }

  @Test("Adam: the first step moves each parameter by lr against the gradient's sign")
  func adamFirstStep() {
    // m = 0.1 g, v = 0.001 g²; m̂ = g, v̂ = g²: p − lr · g / (|g| + ε)
    var p: AlignedFloats = [1, 1, 1]
    var adam = Optimizer(rule: .adam(), learningRate: 0.01, parameterCount: 3)
    adam.update(&p, gradient: [3, -0.5, 0])
    #expect(abs(p[0] - 0.99) < 1e-6 && abs(p[1] - 1.01) < 1e-6 && p[2] == 1, "\(p)")
    // Step 2 with the same gradient: m̂ = g, v̂ = g² again, so the same move.
    adam.update(&p, gradient: [3, -0.5, 0])
    #expect(abs(p[0] - 0.98) < 1e-6 && abs(p[1] - 1.02) < 1e-6, "\(p)")
    adam.reset()
    #expect(adam.step == 0 && adam.first == [0, 0, 0] && adam.second == [0, 0, 0])
  }

  /// The trainer's update, which zeroes the gradient in the same pass, against `update` followed
  /// by zeroing: the same parameters and moments bit for bit, over several steps of every rule,
  /// on a buffer whose length leaves a ragged tail for the vector blocks.
  @Test("update(clearing:) equals update, then a zeroed gradient", arguments: [
    OptimizerRule.adam(), .adam(weightDecay: 0.01), .sgd(momentum: 0.9), .sgd(),
  ])
  func clearingUpdate(rule: OptimizerRule) {
    var random = SeededGenerator(seed: 5, stream: "clearing")
    let count = 37
    var p1 = AlignedFloats((0..<count).map { _ in random.uniform(-1, 1) }), p2 = p1
    var a = Optimizer(rule: rule, learningRate: 0.01, parameterCount: count), b = a
    var cleared = [Float](repeating: 0, count: count)
    for _ in 0..<4 {
      let g = (0..<count).map { _ in random.uniform(-2, 2) }
      a.update(&p1, gradient: g)
      for i in 0..<count { cleared[i] += g[i] }
      b.update(&p2, clearing: &cleared)
      #expect(cleared == [Float](repeating: 0, count: count))
    }
    #expect(p1.map(\.bitPattern) == p2.map(\.bitPattern))
    #expect(a.first.map(\.bitPattern) == b.first.map(\.bitPattern))
    #expect(a.second.map(\.bitPattern) == b.second.map(\.bitPattern))
  }

  @Test("clipping to a norm: (3, 4) has norm 5")
  func clipping() {
    var g: [Float] = [3, 4]
    let norm = clipGradientNorm(&g, maxNorm: 1)
    #expect(norm == 5)
    // coefficient 1 / (5 + 1e-6)
    #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6, "\(g)")
    var h: [Float] = [3, 4]
    clipGradientNorm(&h, maxNorm: 10)
    #expect(h == [3, 4])
  }
}
