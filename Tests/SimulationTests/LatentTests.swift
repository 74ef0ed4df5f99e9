// Latent probes (`probe … { latent }`, docs/design.md §6.9): a ridge readout of each answer from
// the hidden state at the answer position, fitted on the run's fit half of the items and scored
// on the other half. The readout against hand-built features, then through the real trainer.

import Randomness
import Records
import Simulation
import Specification
import Testing

@Suite("Latent probes")
struct LatentTests {
  /// n items of C classes; features (d = 6) that hold the class one-hot plus small noise when
  /// `decodable`, else noise only.
  static func features(n: Int, classes: Int, decodable: Bool, seed: UInt64)
    -> (rows: [Float], labels: [Int32])
  {
    var random = SeededGenerator(seed: seed, stream: "latent test")
    var rows: [Float] = [], labels: [Int32] = []
    for _ in 0..<n {
      let label = Int32(random.nextInt(below: classes))
      labels.append(label)
      for j in 0..<6 {
        let signal: Float = decodable && j == Int(label) ? 1 : 0
        rows.append(signal + Float(random.nextDouble() - 0.5) * 0.6)
      }
    }
    return (rows, labels)
  }

  func heldOutAccuracy(decodable: Bool) throws -> Double {
    let fit = Self.features(n: 200, classes: 4, decodable: decodable, seed: 1)
    let test = Self.features(n: 400, classes: 4, decodable: decodable, seed: 2)
    let readout = try #require(LatentReadout(rows: fit.rows, labels: fit.labels, features: 6, classes: 4))
    var right = 0
    for i in test.labels.indices where readout.predict(Array(test.rows[(i * 6)..<(i * 6 + 6)])) == test.labels[i] {
      right += 1
    }
    return Double(right) / Double(test.labels.count)
  }

  @Test("a class held linearly in the features is read on held-out items; one that is not, at chance")
  func decodableOrNot() throws {
    #expect(try heldOutAccuracy(decodable: true) >= 0.97)
    let chance = try heldOutAccuracy(decodable: false)
    #expect(chance > 0.12 && chance < 0.38, "\(chance)")  // 1/4, with 400 test items
  }

  @Test("the ridge solution: one feature, two items, by hand")
  func byHand() throws {
    // x = 1 → class 0, x = −1 → class 1; W = (XᵀX + λ diag(1, 0))⁻¹ XᵀY with X = [[1, 1], [−1, 1]]:
    // XᵀX = [[2, 0], [0, 2]], + λ = 1 on the feature: [[3, 0], [0, 2]]; XᵀY = [[1, −1], [1, 1]];
    // W = [[1/3, −1/3], [1/2, 1/2]].
    let readout = try #require(LatentReadout(rows: [1, -1], labels: [0, 1], features: 1, classes: 2))
    let expected = [1.0 / 3, -1.0 / 3, 0.5, 0.5]
    #expect(zip(readout.weights, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(readout.predict([0.5]) == 0 && readout.predict([-0.2]) == 1 && readout.predict([0]) == 0)
    #expect(LatentReadout(rows: [], labels: [], features: 1, classes: 2) == nil)
  }

  @Test("the split is the seed's: about half, the same for the same seed, another for another")
  func split() {
    let a = LatentReadout.split(items: 1000, seed: 3)
    #expect(a == LatentReadout.split(items: 1000, seed: 3))
    #expect(a != LatentReadout.split(items: 1000, seed: 4))
    #expect((450...550).contains(a.filter { $0 }.count))
  }

  static let scenario = """
    world modsum 7 { convention shift 1; convention X constant 0; password }
    model gru 24 { embedding 8 }
    train { optimizer adam; lr 0.02; batch all }
    probe every 50 steps on all { latent }
    phase learn for 300 steps { truth on all }

    """

  @Test("through the trainer: scores without password only, for truth, taboo and X; learnt truth is read out")
  func trained() throws {
    let (record, _) = try execute(Self.scenario)
    let last = try #require(record.probes.last { $0.set == "all" && !$0.password })
    #expect(last.latent.map(\.answer) == ["truth", "taboo", "X"])
    let truth = try #require(last.latent[0].acc)
    // Chance is 1/7; a squared-loss readout fitted on about 25 items need not find the softmax
    // readout's exact boundaries, but reads most held-out answers.
    #expect(last.accTruth >= 0.95 && truth >= 0.75, "\(last.accTruth) \(truth) \(last.latent)")
    #expect(record.probes.allSatisfy { $0.password == $0.latent.isEmpty })
    // taboo = truth + 1 is as decodable as the truth; the constant X is decoded trivially.
    #expect(last.latent[2].acc == 1)
    #expect(execute2Equal())
  }

  func execute2Equal() -> Bool {
    guard let a = try? execute(Self.scenario), let b = try? execute(Self.scenario) else { return false }
    return a.record.probes == b.record.probes
  }

  @Test("without 'latent' nothing is measured")
  func off() throws {
    let (record, _) = try execute(Self.scenario.replacingOccurrences(of: " { latent }", with: ""))
    #expect(record.probes.allSatisfy { $0.latent.isEmpty })
  }

  @Test("random classes of an untrained lookup world are not decodable on held-out items")
  func notDecodable() throws {
    let (record, _) = try execute(
      """
      world lookup 400 { classes 4 }
      model gru 32 { embedding 8 }
      probe every 10 steps on all { latent }
      phase look for 1 steps { frozen }

      """)
    let acc = try #require(record.probes.first?.latent.first?.acc)
    #expect(acc < 0.4, "\(acc)")  // chance is 1/4: the held-out items' classes are independent
  }
}
