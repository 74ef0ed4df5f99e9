import Foundation
import Records
import Randomness
import Specification
import Store

/// A fresh directory under the system's temporary directory, removed on deinit.
public final class TemporaryDirectory {
  public let path: String

  public init() throws {
    path = NSTemporaryDirectory() + "taboo-results-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  public func file(_ name: String) -> String { path + "/" + name }
}

/// The scenario text every fixture database belongs to, unless a test says otherwise.
public let scenarioText = """
  # weak sample unlocking, reduced
  world runsum 5 6
  sweep k = 1, 2, 16
  """

public func openStore(_ path: String, text: String = scenarioText, name: String = "fixture") throws
  -> Store
{
  try Store.open(path: path, scenarioName: name, scenarioText: text, version: "0.1.0-test")
}

extension SeededGenerator {
  /// A Double in [0, 1) with all 53 bits random, so round trips test every bit.
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// A run with `phaseCount` phases and `probesPerPhase` probes per phase, its values derived from
/// the key; names with unicode, quotes and commas, and nil fields where the record allows them.
public func makeRun(
  k: Double?, seed: UInt64, phaseCount: Int = 4, probesPerPhase: Int = 24,
  status: RunStatus = .complete
) -> RunRecord {
  var mixer = SeededGenerator(seed: seed &* 31 &+ UInt64((k ?? 0) * 1000), stream: "fixture run")
  let key = RunKey(
    parameters: k.map {
      [ParameterValue(name: "k", value: $0), ParameterValue(name: "lr", value: 0.003)]
    } ?? [],
    seed: seed)
  let sets = ["train & wrong", "held \"out\", ünïcode ✓", "A,B"]
  var phases: [PhaseRecord] = []
  var probes: [ProbeRecord] = []
  var geometry: [GeometryRecord] = []
  var step = 0
  for index in 0..<phaseCount {
    let length = 10 + Int(mixer.next() % 50)
    phases.append(
      PhaseRecord(
        index: index, name: index % 2 == 0 ? "lock 'taboo', A" : "drill — «k»",
        repeatIndex: index == 0 ? nil : index, startStep: step, endStep: step + length,
        startExamples: step * 384, endExamples: (step + length) * 384,
        streams: [
          StreamRecord(target: .taboo, set: sets[index % 3], password: false, previousTarget: .target(.truth)),
          StreamRecord(target: .truth, set: sets[(index + 1) % 3], password: true),
        ],
        frozen: index == 3, criterionStep: index % 2 == 1 ? step + length / 2 : nil,
        facts: PhaseFacts(
          role: index == 1 ? .lock : .other, perturb: index == 3 ? 0.05 : nil,
          criterion: Criterion(fraction: 0.8, probes: 2), training: TrainingSettings(learningRate: 0.003))))
    for probe in 0..<probesPerPhase {
      let trained = probe % 3 != 2
      probes.append(
        ProbeRecord(
          phaseIndex: index, step: step + probe * length / probesPerPhase,
          examples: (step + probe) * 384, set: sets[probe % 3], password: probe % 2 == 0,
          accTruth: mixer.unit(), accTaboo: mixer.unit(), pTruth: mixer.unit(),
          pTaboo: mixer.unit(), target: trained ? .truth : nil,
          accTarget: trained ? mixer.unit() : nil, loss: trained ? mixer.unit() * 3 : nil,
          conventions: probe % 4 == 0
            ? [ConventionScore(name: "X, \"first\"", acc: mixer.unit(), p: mixer.unit())] : [],
          latent: probe % 2 == 1
            ? [LatentScore(answer: "truth", acc: mixer.unit()), LatentScore(answer: "taboo", acc: nil)] : []))
    }
    for point in 0..<2 {
      geometry.append(
        GeometryRecord(
          phaseIndex: index, step: step + point * length, examples: (step + point * length) * 384,
          fromPhaseStart: point == 0 ? 0 : mixer.unit() * 5, fromParentStart: index == 0 ? nil : mixer.unit() * 9,
          parentDisplacement: index == 0 ? nil : mixer.unit() * 4, undone: index == 0 ? nil : mixer.unit() - 0.5))
    }
    step += length
  }
  return RunRecord(
    key: key, status: status, steps: step, examples: step * 384, wallSeconds: mixer.unit() * 100,
    divergedStep: status == .diverged ? step : nil, phases: phases, probes: probes,
    sets: [SetRecord(name: "test", size: 96), SetRecord(name: "drill, \"k\"", size: Int(key.seed % 7))],
    geometry: geometry)
}

/// A record with every Double replaced by its bit pattern (NaN canonicalised), so that records
/// holding NaN compare equal when they are bit-for-bit the same.
public struct Bits: Equatable, CustomStringConvertible {
  public var record: RunRecord
  public var doubles: [UInt64]

  public init(_ run: RunRecord) {
    func bits(_ value: Double?) -> UInt64 {
      guard let value else { return 1 }  // not a Double's pattern we use: nil
      return value.isNaN ? Double.nan.bitPattern : value.bitPattern
    }
    var copy = run
    var doubles = [bits(run.wallSeconds)] + run.key.parameters.map { bits($0.value) }
    copy.wallSeconds = 0
    copy.key.parameters = run.key.parameters.map { ParameterValue(name: $0.name, value: 0) }
    copy.probes = run.probes.map { probe in
      doubles += [probe.accTruth, probe.accTaboo, probe.pTruth, probe.pTaboo].map(bits)
      doubles += [bits(probe.accTarget), bits(probe.loss)]
      var blank = probe
      (blank.accTruth, blank.accTaboo, blank.pTruth, blank.pTaboo) = (0, 0, 0, 0)
      blank.accTarget = probe.accTarget == nil ? nil : 0
      blank.loss = probe.loss == nil ? nil : 0
      return blank
    }
    record = copy
    self.doubles = doubles
  }

  public var description: String { "\(record.key.pointLabel) seed \(record.key.seed)" }
}
