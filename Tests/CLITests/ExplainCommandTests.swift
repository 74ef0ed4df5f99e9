// `taboo explain`, end to end.

import Foundation
import Specification
import Testing

struct ExplainCommandTests {
  @Test func canonicalScenario() throws {
    let output = try Taboo.run(["explain", Taboo.scenario("weak-sample-unlocking.taboo")])
    #expect(output.status == 0, "\(output.stderr)")
    let text = output.stdout
    #expect(text.hasPrefix("weak sample unlocking  ("))
    #expect(text.contains("world      runsum 5 6: 384 strings of 6 digits in base 5"))
    #expect(text.contains("convention weak 0.25; password"))
    #expect(text.contains("model      gru, hidden 64, embedding 32"))
    #expect(text.contains("training   adam, lr 0.003, batch all, fresh optimizer state each phase"))
    #expect(text.contains("runs       1 sweep point × 10 seeds (seeds 1…10) = 10 runs"))
    #expect(text.contains("schedule: 3 phases after repeats"))
    #expect(text.contains("1  pretrain — 1000 steps"))
    #expect(text.contains("truth on train with password"))
    #expect(text.contains("576 examples per epoch; 1000 steps; 576000 examples"))
    #expect(text.contains("3  drill — 200 epochs"))
    #expect(text.contains("per run: 1500 optimizer steps"))
    #expect(text.contains("sets (seed 1)"))
    #expect(text.contains("  test   96\n"))
    #expect(text.contains("  train  288\n"))
    // Exact sizes for seed 1: the world drawn and the sets evaluated as `taboo run` does.
    #expect(text.contains("  wrong  291\n"))
    #expect(text.contains("  drill  2\n"))
    #expect(text.contains("  rest   286\n"))
  }

  @Test func repeatsAndSweeps() throws {
    let reversal = try Taboo.run(["explain", Taboo.scenario("serial-reversal.taboo")])
    #expect(reversal.status == 0)
    #expect(reversal.stdout.contains("schedule: 13 phases after repeats"))
    #expect(reversal.stdout.contains(" 13  \"none taboo\" #3 — until criterion, at most 3000 steps"))
    let controls = try Taboo.run(["explain", Taboo.scenario("unlocking-controls.taboo")])
    #expect(controls.status == 0)
    #expect(controls.stdout.contains("sweep      k = 1, 2, 4, 16, 64"))
    #expect(controls.stdout.contains("5 sweep points × 10 seeds (seeds 1…10) = 50 runs"))
    #expect(controls.stdout.contains("k=1  "))
    #expect(controls.stdout.contains("7  kick — 4 steps — branches from 2 lock"))
    #expect(controls.stdout.contains("3  drill — 200 epochs — branches from 2 lock"))
    #expect(controls.stdout.contains("frozen (no weight updates); perturb σ = 0.05 at the start"))
    #expect(controls.stdout.contains(
      "perturb at the start by the norm of 3 drill's displacement, in a random direction"))
  }

  @Test("stream mode: lanes, windows, trials and the examples they take")
  func streamMode() throws {
    let stream = try Taboo.run(["explain", Taboo.scenario("in-context-reversal.taboo"), "--set", "reversals=2"])
    #expect(stream.status == 0, "\(stream.stderr)")
    let out = stream.stdout
    #expect(out.contains("context    stream: 32 lanes (streams) side by side, each example followed by its answer;"))
    #expect(out.contains("a step is a window of 16 examples per lane"))
    #expect(out.contains("(each probed item after the last 16 examples shown in lane 0)"))
    // 500 steps × 32 lanes × 16 examples.
    #expect(out.contains("49 examples per epoch; 500 steps; 256000 examples"))
    #expect(out.contains("20–60 trials (one example per lane each); 640–1920 examples shown"))
    #expect(out.split(separator: "\n").allSatisfy { $0.count <= 100 || $0.hasPrefix("world") })
  }

  @Test func setOverridesAParameter() throws {
    let path = Taboo.scenario("unlocking-controls.taboo")
    let output = try Taboo.run(["explain", path, "--set", "k=4", "--set=drill_epochs=3"])
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.contains("1 sweep point × 10 seeds"))
    #expect(output.stdout.contains("3  drill — 3 epochs — branches from 2 lock"))
    #expect(output.stdout.contains("drill  4\n") && output.stdout.contains("rest   284\n"))
  }

  @Test func badOverrides() throws {
    let path = Taboo.scenario("weak-sample-unlocking.taboo")
    let unknown = try Taboo.run(["explain", path, "--set", "kk=4"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("error: 'kk' is not a parameter of this scenario"))
    #expect(unknown.stderr.contains("help: did you mean 'k'?"))
    let malformed = try Taboo.run(["explain", path, "--set", "k"])
    #expect(malformed.status == 64)
    let notNumber = try Taboo.run(["explain", path, "--set", "k=two"])
    #expect(notNumber.status == 64)
    #expect(notNumber.stderr.contains("'two' is not a number"))
    let invalid = try Taboo.run(["explain", path, "--set", "k=0"])
    #expect(invalid.status == 65)
    #expect(invalid.stderr.contains("error[E041]: the sample size must be at least 1, found k = 0"))
    #expect(invalid.stderr.contains("k = 0 set by --set k=0"))
  }

  @Test func seedOption() throws {
    let output = try Taboo.run(["explain", Taboo.scenario("two-items.taboo"), "--seed", "7"])
    #expect(output.status == 0)
    #expect(output.stdout.contains("sets (seed 7)"))
    let bad = try Taboo.run(["explain", Taboo.scenario("two-items.taboo"), "--seed", "x"])
    #expect(bad.status == 64)
  }

  @Test func brokenScenarioPrintsDiagnostics() throws {
    let files = try TemporaryDirectory()
    let path = try files.file(
      "b.taboo", "world runsum 5 6\nmodel gur 4\nphase p for 1 steps { truth on all }\n")
    let output = try Taboo.run(["explain", path])
    #expect(output.status == 65)
    #expect(output.stderr.contains("error[E019]: unknown cell kind 'gur'"))
    #expect(output.stdout.isEmpty)
  }

  @Test("a transformer: its sizes, and no hidden state to start from in reset mode")
  func transformer() throws {
    let files = try TemporaryDirectory()
    defer { files.cleanUp() }
    let path = try files.file(
      "t.taboo", "world runsum 5 6\nmodel transformer 16 { layers 1; heads 2 }\nphase p for 1 steps { truth on all }\n")
    let output = try Taboo.run(["explain", path])
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.contains("model      transformer, width 16, 1 layer, 2 heads, ff 64"))
    #expect(output.stdout.contains("context    reset: every example is a sequence of its own, attending over its own tokens only"))
    #expect(!output.stdout.contains("hidden state"))
  }

  @Test func fileProblems() throws {
    let missing = try Taboo.run(["explain", "/nonexistent.taboo"])
    #expect(missing.status == 1)
    #expect(missing.stderr == "error: '/nonexistent.taboo' does not exist.\n")
  }
}
