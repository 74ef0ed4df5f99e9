// A batch's identity is its resolved run specifications: a comment or layout change keeps it,
// anything that changes results changes it, and the difference is said as the user wrote it.

import Foundation
import ScenarioLanguage
import Specification
import Testing

struct IdentityTests {
  func identity(_ text: String) throws -> BatchIdentity {
    let result = ScenarioChecker.check(text: text)
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    return BatchIdentity(specs: scenario.sweepPoints.map { scenario.resolved(at: $0) })
  }

  static let base = """
    scenario "unlock"
    world runsum 5 4 { items 60; convention weak 0.25; password }
    let k = 2
    sweep k = 1, 2
    set drill = sample k of wrong
    model gru 8
    train { lr 0.003 }
    probe every 2 steps on all
    phase pretrain for 10 steps { truth on all; truth on all with password }
    phase lock for 10 steps { taboo on all; truth on all with password }
    phase drill for 5 epochs { taboo on drill }
    """

  @Test("comments, layout, the display name and unused parameters do not change a batch")
  func sameBatch() throws {
    let old = try identity(Self.base)
    let edited = Self.base.replacingOccurrences(of: "scenario \"unlock\"", with: "scenario \"renamed\" # a comment")
      .replacingOccurrences(of: "model gru 8", with: "model   gru 8   # the network")
      .replacingOccurrences(of: "let k = 2", with: "let k = 2\nlet unused = 5")
    #expect(try identity(edited).change(from: old) == nil)
  }

  @Test("a changed setting is named with its old and new value and where", arguments: [
    ("phase lock for 10 steps { taboo on all; truth on all with password }",
     "phase lock for 10 steps { taboo on all; truth on all with password; lr 0.001 }",
     "lr 0.003 → 0.001 in phase lock at k=1"),
    ("model gru 8", "model lstm 8", "the model gru 8 (embedding 8) → lstm 8 (embedding 8) at k=1"),
    ("sweep k = 1, 2", "sweep k = 1, 4", "the sweep points changed: k=1; k=2 → k=1; k=4"),
    ("phase drill for 5 epochs", "phase drill for 6 epochs", "the length 5 epochs → 6 epochs in phase drill at k=1"),
  ])
  func changes(old: String, new: String, message: String) throws {
    let before = try identity(Self.base)
    let after = try identity(Self.base.replacingOccurrences(of: old, with: new))
    #expect(after.change(from: before) == message)
  }
}
