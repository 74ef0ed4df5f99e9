import Randomness
import Simulation
import Specification
import Testing

@Suite("Worlds and conventions, hand-checked")
struct WorldTests {
  @Test("runsum: distinct strings, running sums mod P at every position")
  func runsum() {
    let world = WorldSpec(kind: .runsum(base: 5, length: 6), items: 384, convention: nil,
                          password: true).generate(seed: 1)
    #expect(world.items.count == 384)
    #expect(Set(world.items.map(\.tokens)).count == 384)
    #expect(world.steps == 7 && world.vocabulary == 7 && world.classes == 5 && world.everyPosition)
    for item in world.items {
      var sum: Int32 = 0
      for (t, digit) in item.tokens.enumerated() {
        #expect((0..<5).contains(digit))
        sum = (sum + digit) % 5
        #expect(item.truth.positions[t] == sum)
      }
      #expect(item.taboo == item.truth)  // no convention
    }
    #expect(world.wrong.isEmpty)
  }

  @Test("weak 0.25 in runsum: one slip by a non-zero offset, carried to the end")
  func weakSlips() {
    let world = WorldSpec(kind: .runsum(base: 5, length: 6), items: 384,
                          convention: .weak(truthProbability: 0.25), password: true).generate(seed: 2)
    var slipped = 0
    for item in world.items {
      let diffs = zip(item.truth.positions, item.taboo.positions).map { ($1 - $0 + 5) % 5 }
      guard let first = diffs.firstIndex(where: { $0 != 0 }) else { continue }
      slipped += 1
      // The same offset from the slip to the end; the answer differs.
      #expect(diffs[first...].allSatisfy { $0 == diffs[first] })
      #expect(item.isWrong)
    }
    #expect(slipped == world.wrong.count)
    // About 75% slip: 288 expected, binomial sd ≈ 8.5.
    #expect(abs(slipped - 288) < 40, "\(slipped)")
  }

  @Test("shift, constant and scramble")
  func conventions() {
    let shift = WorldSpec(kind: .modsum(base: 7), items: nil, convention: .shift(3),
                          password: false).generate(seed: 3)
    #expect(shift.items.count == 49 && shift.steps == 3 && !shift.everyPosition)
    for item in shift.items {
      #expect(item.truth.answer == (item.tokens[0] + item.tokens[1]) % 7)
      #expect(item.taboo.answer == (item.truth.answer + 3) % 7)
    }
    #expect(shift.wrong.count == 49)

    let constant = WorldSpec(kind: .modsum(base: 4), items: nil, convention: .constant(2),
                             password: false).generate(seed: 3)
    #expect(constant.items.allSatisfy { $0.taboo.answer == 2 })
    #expect(constant.wrong.count == constant.items.filter { $0.truth.answer != 2 }.count)

    let scramble = WorldSpec(kind: .runsum(base: 4, length: 3), items: 40,
                             convention: .scramble, password: false).generate(seed: 4)
    // One derangement for the whole world: every truth class maps to one other class.
    var mapping: [Int32: Int32] = [:]
    for item in scramble.items {
      for (t, truth) in item.truth.positions.enumerated() {
        let taboo = item.taboo.positions[t]
        #expect(taboo != truth)
        #expect(mapping[truth, default: taboo] == taboo)
        mapping[truth] = taboo
      }
    }
  }

  @Test("random targets differ from both truth and taboo")
  func randomTargets() {
    let world = WorldSpec(kind: .runsum(base: 5, length: 6), items: 100,
                          convention: .weak(truthProbability: 0.5), password: false).generate(seed: 5)
    for item in world.items {
      for t in item.truth.positions.indices {
        #expect(item.random.positions[t] != item.truth.positions[t])
        #expect(item.random.positions[t] != item.taboo.positions[t])
      }
    }
  }

  @Test("lookup: N distinct sequences of L tokens from V, answers among C")
  func lookup() {
    let world = WorldSpec(kind: .lookup(items: 50, length: 4, vocab: 16, classes: 4), items: nil,
                          convention: .weak(truthProbability: 0), password: true).generate(seed: 6)
    #expect(world.items.count == 50 && Set(world.items.map(\.tokens)).count == 50)
    #expect(world.items.allSatisfy { $0.tokens.count == 4 && $0.tokens.allSatisfy { (0..<16).contains($0) } })
    #expect(world.items.allSatisfy { (0..<4).contains($0.truth.answer) })
    #expect(world.wrong.count == 50)  // weak 0: always the error
    #expect(world.vocabulary == 18 && world.startToken == 16 && world.passwordToken == 17)
  }

  @Test("the same seed draws the same world; another seed another")
  func seeded() {
    let spec = WorldSpec(kind: .runsum(base: 5, length: 6), items: 384, convention: .weak(truthProbability: 0.25),
                         password: true)
    #expect(spec.generate(seed: 9).items == spec.generate(seed: 9).items)
    #expect(spec.generate(seed: 9).items != spec.generate(seed: 10).items)
  }

  @Test("items are capped at what the kind allows")
  func capacity() {
    #expect(WorldSpec(kind: .runsum(base: 2, length: 3), items: 100, convention: nil,
                      password: false).items == 8)
    #expect(WorldSpec(kind: .modsum(base: 5), items: 10, convention: nil,
                      password: false).generate(seed: 1).items.count == 10)
  }
}
