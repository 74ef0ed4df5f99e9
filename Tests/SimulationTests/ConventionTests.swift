// Named extra conventions (`convention NAME KIND …`, docs/design.md §2): their answers, `wrong NAME`,
// streams towards them and what probes report of them. Through the real language front end and
// trainer.

import Records
import Simulation
import Specification
import Testing

@Suite("Named conventions")
struct ConventionTests {
  static func world(_ extras: String) -> String {
    """
    world runsum 5 4 { items 120; convention weak 0.25\(extras); password }
    set test = sample 25% of all
    set train = all - test
    model gru 16 { embedding 8 }
    train { optimizer adam; lr 0.02; batch all }
    probe every 10 steps on test, train

    """
  }

  @Test("an extra convention changes nothing else of the world: items, taboo and random answers stay")
  func worldUnchanged() throws {
    let phase = "phase learn for 10 steps { truth on train }\n"
    for seed: UInt64 in [1, 2, 7] {
      let plain = try plan(Self.world("") + phase, seed: seed)
      let extra = try plan(Self.world("; convention X shift 2; convention Y scramble") + phase, seed: seed)
      #expect(plain.world.items.map(\.tokens) == extra.world.items.map(\.tokens))
      #expect(plain.world.items.map(\.taboo) == extra.world.items.map(\.taboo))
      #expect(plain.world.items.map(\.random) == extra.world.items.map(\.random))
      #expect(plain.sets.map(\.items) == extra.sets.map(\.items))
      #expect(extra.world.conventionNames == ["X", "Y"])
    }
  }

  @Test("'shift 2' is the truth plus 2 at every position; 'wrong X' holds the items X gets wrong")
  func answers() throws {
    let p = try plan(
      Self.world("; convention X shift 2; convention Z weak 0.5") + """
        set xs = wrong X
        set zs = wrong Z
        phase learn for 10 steps { X on xs; truth on zs }

        """)
    for item in p.world.items {
      let x = item.targets(.convention("X")).positions
      #expect(x == item.truth.positions.map { ($0 + 2) % 5 })
    }
    #expect(p.items(of: "xs") == Array(p.world.items.indices))  // shift 2 is never the truth
    let z = p.world.items.indices.filter {
      p.world.items[$0].targets(.convention("Z")).answer != p.world.items[$0].truth.answer
    }
    #expect(p.items(of: "zs") == z && !z.isEmpty && z.count < p.world.items.count)
    // Z is drawn from its own stream: not a copy of the taboo convention (also weak).
    #expect(p.world.items.map { $0.targets(.convention("Z")) } != p.world.items.map(\.taboo))
  }

  @Test("a stream towards X is learnt; probes report X beside the truth and taboo, agreeing with acc_target")
  func learntAndProbed() throws {
    let (record, _) = try execute(
      Self.world("; convention X shift 2") + """
        phase first for 150 steps { X on train }
        phase truth for 150 steps { truth on train }

        """)
    let endOfFirst = try #require(record.probes.last { $0.phaseIndex == 0 && $0.set == "train" && !$0.password })
    let x = try #require(endOfFirst.conventions.first)
    #expect(x.name == "X" && endOfFirst.target == .convention("X"))
    #expect(x.acc == endOfFirst.accTarget && x.acc >= 0.9 && x.p > 0.5)
    #expect(endOfFirst.accTruth < 0.1)  // X is never the truth
    #expect(record.probes.allSatisfy { $0.conventions.map(\.name) == ["X"] })
    // The second phase switches every item from X to the truth.
    let switches = try #require(record.phases.last?.facts.switches)
    #expect(switches.contains { $0.old == .convention("X") && $0.new == .truth && $0.set == "train" })
    #expect(record.phases[1].streams[0].previousTarget == .target(.convention("X")))
    #expect(record.sets.contains { $0.name == "wrong X" && $0.size == 120 })
  }

  @Test("a world without extra conventions reports none")
  func none() throws {
    let (record, _) = try execute(Self.world("") + "phase learn for 20 steps { taboo on train }\n")
    #expect(record.probes.allSatisfy { $0.conventions.isEmpty })
  }
}
