// Switches found item by item (docs/design.md §6.2): only the items whose answer a phase changes
// switch, grouped by the probed set that holds them; `until criterion` waits for every switch.
// Through the real language front end and trainer.

import Analysis
import Records
import Simulation
import Specification
import Testing

@Suite("Switches on the items that switch")
struct SwitchGroupTests {
  static let reversal = """
    world runsum 5 4 { items 120; convention weak 0.25 }
    set A = sample 50% of wrong
    set B = wrong - A
    set right = all - wrong
    model gru 16 { embedding 8 }
    train { optimizer adam; lr 0.01; batch all }
    probe every 5 steps on A, B, right
    criterion 90% over 3 probes
    phase learn until criterion max 400 steps { truth on all }
    phase "A taboo" until criterion max 400 steps { taboo on A; truth on B }
    phase "all taboo" until criterion max 400 steps { taboo on all }
    phase "none taboo" until criterion max 400 steps { truth on all }

    """

  @Test("items whose weak answer is the truth never switch; a stream over mixed targets switches only its changed items")
  func onlyChangedItems() throws {
    let p = try plan(Self.reversal)
    let (record, _) = try execute(Self.reversal)
    let size = { (name: String) in p.sets.first { $0.name == name }!.items.count }
    let groups = record.phases.map { $0.facts.switches ?? [] }
    // learn: nothing was trained before, so nothing switches.
    #expect(groups[0].isEmpty)
    // A taboo: A's items (all wrong) switch; B keeps the truth: no switch.
    #expect(groups[1] == [SwitchGroup(set: "A", password: false, old: .truth, new: .taboo,
                                      items: size("A"), probeSet: "A")])
    // all taboo: B switches; A is already taboo and `right` has the same answer under both.
    #expect(groups[2] == [SwitchGroup(set: "B", password: false, old: .truth, new: .taboo,
                                      items: size("B"), probeSet: "B")])
    // none taboo: A and B leave the taboo; `right` does not switch.
    #expect(groups[3].map(\.set) == ["A", "B"] && groups[3].allSatisfy { $0.old == .taboo && $0.new == .truth })
    let switches = Switches.compute(record)
    #expect(switches.map(\.set) == ["A", "B", "A", "B"])
    #expect(!switches.contains { $0.set == "right" })
    #expect(switches.map(\.items) == [size("A"), size("B"), size("A"), size("B")])
  }

  @Test("until criterion ends the phase when every switch has met the criterion, so no switch is censored by another")
  func criterionPerSwitch() throws {
    let (record, _) = try execute(Self.reversal)
    let switches = Switches.compute(record)
    for phase in record.phases.dropFirst() {
      let own = switches.filter { $0.phaseIndex == phase.index }
      #expect(phase.criterionStep != nil, "phase \(phase.name) reached its criterion")
      #expect(own.allSatisfy { !$0.censored })
      // The phase ends at the probe where the slowest switch's run of K probes is complete.
      let k = phase.facts.criterion.probes, every = 5
      let slowest = own.map(\.latencySteps).max()!
      #expect(phase.endStep - phase.startStep == slowest + (k - 1) * every)
    }
  }

  @Test("items switching inside a larger probed set get a pair of their own, measured on them alone")
  func partOfASet() throws {
    let text = """
      world runsum 5 4 { items 120; convention weak 0.25 }
      model gru 16 { embedding 8 }
      train { optimizer adam; lr 0.01; batch all }
      probe every 5 steps on all
      phase learn for 60 steps { truth on all }
      phase lock for 20 steps { taboo on all }

      """
    let p = try plan(text)
    let (record, _) = try execute(text)
    let wrong = p.world.wrong
    let name = SwitchGroup.partName("all", old: .truth, new: .taboo)
    #expect(name == "all:truth→taboo")
    #expect(record.phases[1].facts.switches == [SwitchGroup(set: "all", password: false, old: .truth,
                                                            new: .taboo, items: wrong.count, probeSet: name)])
    let part = record.probes.filter { $0.phaseIndex == 1 && $0.set == name }
    let whole = record.probes.filter { $0.phaseIndex == 1 && $0.set == "all" }
    #expect(part.count == whole.count && !part.isEmpty)
    // The part holds only items whose taboo answer is not the truth: agreeing with the truth
    // there is disagreeing with the taboo.
    for probe in part { #expect(probe.accTruth + probe.accTaboo <= 1 + 1e-12) }
    // The switch is measured on the part, in items of the part.
    let s = try #require(Switches.compute(record).first)
    #expect(s.set == "all" && s.items == wrong.count)
    #expect(Switches.agreement(part[0], with: .taboo) == part[0].accTarget)
  }
}
