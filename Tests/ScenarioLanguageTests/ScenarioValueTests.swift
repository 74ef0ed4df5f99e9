// The validated value: the shipped scenarios parse into the structure they describe; sweep
// points, repeat expansion and numbering, parameter substitution and `--set` overrides.

import Foundation
import ScenarioLanguage
import Specification
import Testing

struct ScenarioValueTests {
  @Test("every shipped scenario checks without any diagnostic", arguments: TestFiles.shippedScenarioNames)
  func shippedScenarioIsClean(_ name: String) throws {
    let result = ScenarioChecker.check(SourceFile(name: name, bytes: try TestFiles.shippedBytes(name)))
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    #expect(result.scenario != nil)
  }

  @Test func weakSampleUnlockingStructure() throws {
    let scenario = try TestFiles.shipped("weak-sample-unlocking.taboo")
    #expect(scenario.name == "weak sample unlocking")
    #expect(scenario.world.kind == .runsum(base: .literal(5), length: .literal(6)))
    #expect(scenario.world.items == .literal(384))
    #expect(scenario.world.convention == .weak(truthProbability: .literal(0.25)))
    #expect(scenario.world.password)
    #expect(scenario.seeds == Array(1...10))
    #expect(scenario.sweeps.isEmpty)
    #expect(scenario.parameters.map(\.name) == ["k", "pretrain_steps", "lock_steps", "drill_epochs"])
    #expect(scenario.sets.map(\.name) == ["test", "train", "drill", "rest"])
    #expect(scenario.sets[0].expression == .sampleFraction(.literal(0.25), of: .all))
    #expect(scenario.sets[1].expression == .difference(.all, .named("test")))
    #expect(
      scenario.sets[2].expression
        == .sample(count: .parameter("k", scale: 1), of: .intersection(.named("train"), .wrong)))
    #expect(scenario.model == Scenario.Model(cell: .gru, hidden: .literal(64), embedding: .literal(32)))
    #expect(scenario.training.optimizer == .adam)
    #expect(scenario.training.numbers["lr"] == .literal(0.003))
    #expect(scenario.training.batch == .all)
    #expect(scenario.training.keepOptimizer == nil)
    #expect(scenario.context == .reset)
    #expect(scenario.probe == Scenario.Probe(everySteps: .literal(4), sets: ["test", "rest", "drill"]))
    #expect(scenario.criterion == Scenario.Criterion(fraction: .literal(0.9), probes: .literal(3)))

    let run = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(run.world.items == 384)
    #expect(run.world.sequenceLength == 6)
    #expect(run.world.classes == 5)
    #expect(run.model == ModelSpec(cell: .gru, hidden: 64, embedding: 32))
    #expect(run.phases.map(\.name) == ["pretrain", "lock", "drill"])
    #expect(run.phases.map(\.length) == [.steps(1000), .steps(300), .epochs(200)])
    #expect(
      run.phases[1].streams == [
        .init(target: .taboo, set: "train", password: false),
        .init(target: .truth, set: "train", password: true),
      ])
    #expect(run.phases.allSatisfy { $0.repeatIndex == nil && !$0.frozen && $0.perturb == nil })
    #expect(run.phases.allSatisfy { $0.training.learningRate == 0.003 && $0.training.batch == .all })
    #expect(run.sets[2].expression == .sample(count: 2, of: .intersection(.named("train"), .wrong)))
    let sizes = Dictionary(uniqueKeysWithValues: run.staticSetSizes.map { ($0.name, $0.size) })
    #expect(sizes["test"] == SetSizeBounds(exactly: 96))
    #expect(sizes["train"] == SetSizeBounds(exactly: 288))
    #expect(sizes["drill"] == SetSizeBounds(fewest: 0, most: 2))
    #expect(sizes["rest"] == SetSizeBounds(fewest: 286, most: 288))
  }

  @Test func unlockingControlsSweepsK() throws {
    let scenario = try TestFiles.shipped("unlocking-controls.taboo")
    #expect(scenario.sweeps == [Scenario.Sweep(name: "k", values: [1, 2, 4, 16, 64])])
    #expect(scenario.sweepPoints.map { $0["k"] } == [1, 2, 4, 16, 64])
    #expect(scenario.runCount == 50)
    let run = scenario.resolved(at: scenario.sweepPoints[3])
    #expect(run.parameters["k"] == 16)
    #expect(run.sets[2].expression == .sample(count: 16, of: .intersection(.named("train"), .wrong)))
    #expect(
      run.phases.map(\.name) == [
        "pretrain", "lock", "drill", "random drill", "random-answer drill", "truth drill", "kick", "matched kick",
      ])
    // Every drill and control branches from the same lock.
    #expect(run.phases.map(\.from) == [nil, nil, 1, 1, 1, 1, 1, 1])
    #expect(run.phases[3].streams == [.init(target: .random, set: "drill", password: false)])
    #expect(run.phases[4].streams == [.init(target: .randomAnswer, set: "drill", password: false)])
    #expect(run.phases[5].streams == [.init(target: .truth, set: "drill", password: false)])
    #expect(run.phases[7].kick == MatchedKick(phase: 2, perTensor: false) && run.phases[7].frozen)
    let kick = run.phases[6]
    #expect(kick.frozen && kick.perturb == 0.05 && kick.streams.isEmpty && kick.length == .steps(4))
  }

  @Test("explanations.taboo: one tree per run — drills from one lock, cycles, a long lock, X learnt first")
  func explanationsTree() throws {
    let scenario = try TestFiles.shipped("explanations.taboo")
    let run = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(run.world.conventions == [NamedConvention(name: "X", convention: .shift(2))])
    #expect(run.probe?.latent == true)
    #expect(run.sets.map(\.name) == ["test", "train", "drill", "safe", "rest"])
    #expect(run.sets[4].expression == .difference(.difference(.named("train"), .named("drill")), .named("safe")))
    let names = run.phases.map(\.name)
    func index(_ name: String, repetition: Int? = nil) -> Int {
      run.phases.firstIndex { $0.name == name && $0.repeatIndex == repetition }!
    }
    let lock = index("lock")
    // E3–E5: three drills and the matched kick from the same lock.
    for drill in ["drill", "safe drill", "random-answer drill", "matched kick"] { #expect(run.phases[index(drill)].from == lock) }
    #expect(run.phases[index("matched kick")].kick == MatchedKick(phase: index("drill"), perTensor: false))
    // E6: each repetition's drill from its own relock; the long lock from the pretraining.
    for r in 1...4 {
      #expect(run.phases[index("cycle drill", repetition: r)].from == index("relock", repetition: r))
      #expect(run.phases[index("cycle drill", repetition: r)].role == .drill)
      #expect(run.phases[index("relock", repetition: r)].role == .lock)
    }
    #expect(run.phases[index("long lock")].from == index("pretrain"))
    #expect(run.phases[index("long lock")].length == .steps(1500))
    // E7: X from the untrained network, then the truth, the lock and the drill in sequence.
    #expect(run.phases[index("learn X")].from == index("init"))
    #expect(run.phases[index("learn X")].streams.map(\.target) == [.convention("X"), .convention("X")])
    #expect(run.phases[index("drill after X")].role == .drill)
    #expect(names.count == 30)
  }

  @Test("`with noise P` on a stream: a percentage or a fraction, a swept parameter, beside `with password`")
  func noisyStreams() throws {
    let text = """
      world runsum 5 6 { items 384; convention weak 0.25; password }
      set A = sample 50% of wrong
      model gru 16
      probe every 10 steps on A
      let p = 0
      sweep p = 0, 0.1, 0.3
      phase learn for 100 steps {
        truth on all with noise 20%
        taboo on A with password with noise p
        truth on A with noise 0.05 with password
      }
      """
    let result = ScenarioChecker.check(SourceFile(name: "noise.taboo", bytes: Array(text.utf8)))
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    let runs = scenario.sweepPoints.map { scenario.resolved(at: $0) }
    #expect(runs.map { $0.phases[0].streams.map(\.noise) } == [
      [0.2, 0, 0.05], [0.2, 0.1, 0.05], [0.2, 0.3, 0.05],
    ])
    #expect(runs[0].phases[0].streams.map(\.password) == [false, true, true])
    // Without `with noise` a stream has none, and its run specification is what it always was.
    let shipped = try TestFiles.shipped("weak-sample-unlocking.taboo")
    let plain = shipped.resolved(at: shipped.sweepPoints[0])
    #expect(plain.phases.allSatisfy { $0.streams.allSatisfy { $0.noise == nil } })
  }

  @Test func serialReversalExpandsRepeats() throws {
    let scenario = try TestFiles.shipped("serial-reversal.taboo")
    let run = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(run.phases.count == 1 + 3 * 4)
    #expect(run.phases.map(\.index) == Array(0..<13))
    #expect(run.phases[0].repeatIndex == nil)
    #expect(run.phases[1].displayName == "\"A taboo\" #1")
    #expect(run.phases[5].displayName == "\"A taboo\" #2")
    #expect(run.phases[12].displayName == "\"none taboo\" #3")
    #expect(run.phases.dropFirst().map(\.repeatIndex) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
    #expect(run.phases.allSatisfy { $0.length == .untilCriterion(maxSteps: 3000) })
    #expect(run.sets.map(\.name) == ["A", "B", "right"])
    #expect(run.sets[0].expression == .sampleFraction(0.5, of: .wrong))
  }

  @Test func twoItemsAndInContextReversal() throws {
    let two = try TestFiles.shipped("two-items.taboo").resolved(at: SweepPoint(assignments: []))
    #expect(two.phases.count == 1 + 4 * 4)
    #expect(two.criterion == Criterion(fraction: 1, probes: 3))
    #expect(two.phases[3].streams == [.init(target: .taboo, set: "pair", password: false)])

    let stream = try TestFiles.shipped("in-context-reversal.taboo").resolved(at: SweepPoint(assignments: []))
    #expect(stream.context == .stream(window: 16))
    #expect(stream.world.kind == .modsum(base: 7))
    #expect(stream.world.items == 49)
    #expect(stream.world.convention == .shift(1))
    #expect(stream.phases.count == 1 + 100 * 2 + 10 * 2)
    #expect(stream.phases[1].length == .randomSteps(2...4))
    #expect(stream.phases[201].length == .randomTrials(20...60))
    #expect(stream.phases[201].frozen)
    #expect(stream.phases[220].displayName == "\"B taboo, frozen\" #10")
    let sweep = try TestFiles.shipped("in-context-reversal.taboo")
    #expect(sweep.sweepPoints.count == 4)
    #expect(sweep.resolved(at: sweep.sweepPoints[0]).phases.count == 1 + 25 * 2 + 10 * 2)
    #expect(stream.training.batch == .size(32))
  }

  @Test func sweepPointsAreTheCartesianProductInFileOrder() {
    let result = ScenarioChecker.check(
      text: """
        world runsum 5 6 { convention weak 0.25 }
        let a = 1
        let b = 10
        let c = 7
        sweep a = 1, 2, 3
        sweep b = 10, 20
        model gru 8
        probe every 5 steps on all
        phase p for b steps { truth on all; lr 0.001 }
        phase q for a epochs { taboo on wrong }
        phase r for c steps { truth on all }
        """)
    let scenario = try! #require(result.scenario, "\(result.diagnostics)")
    #expect(scenario.sweepPoints.count == 6)
    #expect(
      scenario.sweepPoints.map(\.description) == [
        "a=1, b=10", "a=1, b=20", "a=2, b=10", "a=2, b=20", "a=3, b=10", "a=3, b=20",
      ])
    let run = scenario.resolved(at: scenario.sweepPoints[5])
    #expect(run.phases.map(\.length) == [.steps(20), .epochs(3), .steps(7)])
    #expect(run.phases[0].training.learningRate == 0.001)
    #expect(run.phases[0].overrides.numbers["lr"] == 0.001)
    #expect(run.phases[1].overrides.isEmpty)
  }

  @Test func noSweepsGiveOneEmptyPoint() throws {
    let scenario = try TestFiles.shipped("serial-reversal.taboo")
    #expect(scenario.sweepPoints == [SweepPoint(assignments: [])])
    #expect(scenario.sweepPoints[0].description == "")
  }

  @Test func parametersSubstituteEverywhere() {
    let result = ScenarioChecker.check(
      text: """
        world lookup n { length len; vocab v; classes c; convention constant a; password }
        let n = 50
        let len = 3
        let v = 9
        let c = 5
        let a = 4
        let q = 25
        let w = 8
        let h = 12
        let e = 6
        let r = 2
        let lo = 3
        let hi = 9
        let sigma = 0.5
        let rate = 0.01
        let b = 7
        let interval = 2
        let pct = 80
        let k = 4
        seeds 3..5
        set s = sample q% of all
        set t = items 0, 2..lo
        model lstm h { embedding e }
        train { optimizer sgd; lr rate; batch b; clip sigma; momentum sigma; keep-optimizer }
        context stream w
        probe every interval steps on s, t
        criterion pct% over k probes
        repeat r {
          phase p for lo..hi steps { truth on s with password; batch all }
          phase f for lo..hi trials { frozen; truth on t }
        }
        phase kick for 1 trials { frozen; perturb sigma; truth on s }
        """)
    let scenario = try! #require(result.scenario, "\(result.diagnostics)")
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    #expect(scenario.seeds == [3, 4, 5])
    let run = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(run.world.kind == .lookup(items: 50, length: 3, vocab: 9, classes: 5))
    #expect(run.world.items == 50 && run.world.sequenceLength == 3 && run.world.symbols == 9)
    #expect(run.world.classes == 5 && run.world.convention == .constant(4) && run.world.password)
    #expect(run.sets[0].expression == .sampleFraction(0.25, of: .all))
    #expect(run.sets[1].expression == .items([0...0, 2...3]))
    #expect(run.model == ModelSpec(cell: .lstm, hidden: 12, embedding: 6))
    #expect(
      run.training
        == TrainingSettings(
          optimizer: .sgd, learningRate: 0.01, batch: .size(7), clip: 0.5, momentum: 0.5, weightDecay: 0,
          keepOptimizer: true)
    )
    #expect(run.context == .stream(window: 8))
    #expect(run.probe == ProbeSpec(everySteps: 2, sets: ["s", "t"]))
    #expect(run.criterion == Criterion(fraction: 0.8, probes: 4))
    #expect(run.phases.map(\.displayName) == ["p #1", "f #1", "p #2", "f #2", "kick"])
    #expect(run.phases[0].length == .randomSteps(3...9))
    #expect(run.phases[1].length == .randomTrials(3...9))
    #expect(run.phases[0].training.batch == .all)
    #expect(run.phases[1].training.batch == .size(7))
    #expect(run.phases[4].perturb == 0.5)
  }

  @Test func overridesReplaceLetsAndFixSweeps() throws {
    let source = SourceFile(name: "u.taboo", bytes: try TestFiles.shippedBytes("unlocking-controls.taboo"))
    let result = ScenarioChecker.check(source, overrides: ["k": 3, "drill_epochs": 5])
    let scenario = try #require(result.scenario)
    #expect(scenario.sweeps.isEmpty)
    #expect(scenario.parameters.first { $0.name == "k" }?.value == 3)
    let run = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(run.phases[2].length == .epochs(5))
    #expect(run.sets[2].expression == .sample(count: 3, of: .intersection(.named("train"), .wrong)))

    let broken = ScenarioChecker.check(source, overrides: ["k": 0])
    #expect(broken.scenario == nil)
    let error = try #require(broken.errors.first)
    #expect(error.code == .tooSmall)
    #expect(error.notes.contains { $0.contains("--set k=0") })
  }

  /// The defaults the README documents ("defaults otherwise: seeds 1, Adam with lr 0.001, batch
  /// all, criterion 90% over 3 probes, embedding = hidden"; 384 runsum items; lookup 4, 16, 4),
  /// written out here as numbers, not read from the code's constants.
  @Test func defaultsAreTheDocumentedOnes() {
    let result = ScenarioChecker.check(
      text:
        "world runsum 5 6\nmodel elman 4\nprobe every 1 steps on all\nphase p for 1 steps { truth on all }",
      name: "dir/minimal.taboo")
    let scenario = try! #require(result.scenario)
    #expect(scenario.name == "minimal")
    #expect(scenario.seeds == [1])
    let run = scenario.resolved(at: scenario.sweepPoints[0])
    let training = run.phases[0].training
    #expect(training.optimizer == .adam && training.learningRate == 0.001 && training.batch == .all)
    #expect(training.clip == nil && training.momentum == 0 && training.weightDecay == 0 && !training.keepOptimizer)
    #expect(run.criterion.fraction == 0.9 && run.criterion.probes == 3)
    #expect(run.world.items == 384)
    #expect(run.model.embedding == 4)
    #expect(run.context == .reset)
    #expect(run.world.convention == nil && !run.world.password)
    let small = ScenarioChecker.check(
      text: "world runsum 3 2\nmodel gru 4\nprobe every 1 steps on all\nphase p for 1 steps { truth on all }")
    #expect(small.scenario?.resolved(at: SweepPoint(assignments: [])).world.items == 9)  // min(384, 3²)
    let lookup = ScenarioChecker.check(
      text: "world lookup 20\nmodel gru 4\nprobe every 1 steps on all\nphase p for 1 steps { truth on all }")
    #expect(
      lookup.scenario?.resolved(at: SweepPoint(assignments: [])).world.kind
        == .lookup(items: 20, length: 4, vocab: 16, classes: 4))
  }

  @Test("phase roles: lock, drills after a lock, a kick after a lock, the rest other")
  func phaseRoles() throws {
    let run = try TestFiles.shipped("unlocking-controls.taboo").resolved(at: SweepPoint(assignments: []))
    #expect(
      run.phases.map(\.role) == [
        .other, .lock, .drill, .drill, .drill, .drill, .perturbation, .perturbation,
      ])
    // A drill must follow the lock directly, be without password, and have one target.
    let result = ScenarioChecker.check(
      text: """
        world runsum 5 6 { convention weak 0.25; password }
        set a = sample 10 of wrong
        set b = wrong - a
        model gru 8
        probe every 5 steps on a
        phase lock for 5 steps { taboo on all; truth on all with password }
        phase mixed for 5 steps { taboo on a; truth on b }
        phase late for 5 steps { taboo on a }
        phase lock2 for 5 steps { taboo on all; truth on all with password }
        phase pw for 5 steps { taboo on a with password }
        phase lock3 for 5 steps { taboo on all; truth on all with password }
        phase rest for 2 steps { frozen }
        phase drill for 5 steps { truth on a }
        """)
    let spec = try #require(result.scenario, "\(result.diagnostics)").resolved(at: SweepPoint(assignments: []))
    #expect(spec.phases.map(\.role) == [.lock, .other, .other, .lock, .other, .lock, .other, .drill])
  }

  @Test func duplicatePhaseNamesAreAllowed() {
    let result = ScenarioChecker.check(
      text: """
        world runsum 5 6 { convention weak 0.25 }
        model gru 8
        probe every 5 steps on all
        phase relock for 10 steps { taboo on all }
        phase relock for 10 steps { taboo on all }
        """)
    #expect(result.diagnostics.isEmpty)
    #expect(result.scenario?.resolved(at: SweepPoint(assignments: [])).phases.map(\.index) == [0, 1])
  }
}
