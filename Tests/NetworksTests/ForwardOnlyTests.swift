import Networks
import Randomness
import Specification
import Testing

@Suite("Forward-only passes")
struct ForwardOnlyTests {
  /// H = 20 leaves a ragged tail after the full vector blocks.
  @Test("forBackward: false gives the same loss, logits, probabilities and final state, bit for bit",
        arguments: CellKind.allCases.filter(\.isRecurrent), [false, true])
  func sameResults(cell: CellKind, initialState: Bool) {
    let shape = NetworkShape(cell: cell, vocabulary: 7, inputSize: 8, hidden: 20, classes: 5)
    let network = Network(shape: shape, seed: 3)
    var random = SeededGenerator(seed: 4, stream: "data")
    let batch = 9, length = 6
    let tokens = (0..<(batch * length)).map { _ in Int32(random.nextInt(below: 7)) }
    let targets = tokens.map { Int32(($0 + 1) % 5) }
    let start = (0..<(batch * 20)).map { _ in random.uniform(-1, 1) }
    func run(forBackward: Bool) -> (Float, [Float], [Float], [Float]) {
      let ws = Workspace(shape: shape, capacity: batch, maxSteps: length)
      if initialState {
        ws.initialHidden.update(from: start, count: start.count)
        if cell == .lstm { ws.initialCell.update(from: start, count: start.count) }
      }
      let loss = tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          network.forward(.tokens(t), targets: y, batch: batch, steps: length,
                          supervision: .everyPosition, initialState: initialState,
                          forBackward: forBackward, workspace: ws)
        }
      }
      let probabilities = (0..<length).flatMap { s in
        (0..<batch).flatMap { Array(ws.probabilities(step: s, row: $0)) }
      }
      return (loss, Array(ws.logits), probabilities, Array(ws.finalHidden))
    }
    let full = run(forBackward: true), only = run(forBackward: false)
    #expect(full.0.bitPattern == only.0.bitPattern)
    #expect(full.1.map(\.bitPattern) == only.1.map(\.bitPattern))
    #expect(full.2.map(\.bitPattern) == only.2.map(\.bitPattern))
    #expect(full.3.map(\.bitPattern) == only.3.map(\.bitPattern))
  }
}
