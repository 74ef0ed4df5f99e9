// The CSV export read back by an independent parser: exact docs/design.md §7 headers, quoting of
// commas, quotes and line breaks, `true`/`false`, empty undefined values, round-trip numbers.

import Foundation
import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification
import Store

@Suite("CSV export")
struct ExportTests {
  static let parameters = ["k", "lr"]
  /// docs/design.md §7, verbatim, with the parameter columns `k`, `lr` in place of "sweep columns".
  static let expected: [String: String] = [
    "runs.csv": "run, seed, k, lr, status, steps, wall_seconds, diverged_step",
    "probes.csv": "run, seed, k, lr, phase_index, phase, repeat, step, examples, set, password, "
      + "acc_truth, acc_taboo, p_truth, p_taboo, loss",
    "switches.csv": "run, seed, k, lr, phase_index, phase, repeat, set, password, old_target, "
      + "new_target, latency_steps, latency_examples, censored, latency50_steps, latency80_steps, "
      + "perseveration_steps, old_answer_errors, other_errors, latency_trials, latency50_trials, "
      + "latency80_trials, perseveration_trials, old_answer_errors_per_lane, other_errors_per_lane, items",
    "trials.csv": "run, seed, k, lr, phase_index, phase, repeat, trial, lane, set, password, item, "
      + "target, answer, target_answer, old_answer, truth_answer, taboo_answer, correct",
    "transfer.csv": "run, seed, k, lr, phase_index, phase, set, password, truth_start, truth_end, "
      + "truth_peak, truth_strong, gap_recovered, half_change_step, parent_index",
    "reversal-index.csv": "run, seed, k, lr, unit, reversal, block, phase_index, phase, repeat, set, errors, "
      + "one_trial_share, trial2_shown, trial2_correct, trial2_accuracy",
    "summary.csv": "k, lr, metric, phase, set, password, n, median, q25, q75, mean, ci_low, ci_high",
    "conventions.csv": "run, seed, k, lr, phase_index, phase, repeat, step, examples, set, password, "
      + "convention, acc, p",
    "latent.csv": "run, seed, k, lr, phase_index, phase, repeat, step, examples, set, answer, latent_acc, "
      + "behaviour_acc",
    "geometry.csv": "run, seed, k, lr, phase_index, phase, repeat, step, examples, from_phase_start, "
      + "from_parent_start, parent_displacement, undone",
  ]

  static let oddPhase = "drill, \"hard\"\nline two"

  /// A lock and a drill whose name holds a comma, quotes and a line break; set `rest` untrained.
  func run(k: Double, seed: UInt64) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [ParameterValue(name: "k", value: k), ParameterValue(name: "lr", value: 0.003)],
                   seed: seed)
    b.sets = [SetRecord(name: "train", size: 100), SetRecord(name: "D", size: Int(k)), SetRecord(name: "rest", size: 98)]
    b.phase("lock", length: 20, streams: [stream(.truth, "train", password: true), stream(.taboo, "train")])
    b.probes("rest", every: 10, [(1, 0), (0.5, 0.5), (0.2, 0.8)], target: .taboo)
    b.probes("rest", password: true, every: 10, [(1, 0), (1, 0), (1, 0)], target: .truth)
    b.phase(Self.oddPhase, length: 20, streams: [stream(.taboo, "D", previous: "truth")])
    b.probes("rest", every: 10, [(0.2, 0.8), (0.3, 0.7), (0.1 * Double(seed), 0.6)])
    b.probes("rest", password: true, every: 10, [(1, 0), (1, 0), (1, 0)])
    b.probes("D", every: 10, [(0.5, 0.5), (0, 1), (0, 1)], target: .taboo)
    var run = b.run
    // The lock has no parent; the drill's parent displacement is k, of which it undoes a half.
    run.geometry = [
      GeometryRecord(phaseIndex: 0, step: 0, examples: 0, fromPhaseStart: 0, fromParentStart: nil,
                     parentDisplacement: nil, undone: nil),
      GeometryRecord(phaseIndex: 0, step: 20, examples: 200, fromPhaseStart: k, fromParentStart: nil,
                     parentDisplacement: nil, undone: nil),
      GeometryRecord(phaseIndex: 1, step: 20, examples: 200, fromPhaseStart: 0, fromParentStart: k,
                     parentDisplacement: k, undone: 0),
      GeometryRecord(phaseIndex: 1, step: 40, examples: 400, fromPhaseStart: k / 2, fromParentStart: k / 2,
                     parentDisplacement: k, undone: 0.5),
    ]
    return run
  }

  @Test("every file has the exact header and survives an independent parser")
  func roundTrip() throws {
    let directory = try TemporaryDirectory()
    let store = try openStore(directory.file("b.sqlite"))
    for k in [1.0, 2] { for seed in [UInt64(1), 2] { _ = try store.write(run(k: k, seed: seed)) } }
    let out = directory.file("out")
    let report = try Export.write(store, to: out)
    #expect(report.files.map(\.name)
      == ["runs.csv", "probes.csv", "trials.csv", "conventions.csv", "geometry.csv", "latent.csv", "switches.csv",
          "transfer.csv", "reversal-index.csv", "summary.csv"])
    var tables: [String: [[String]]] = [:]
    for (name, header) in Self.expected {
      let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
      #expect(text.hasSuffix("\r\n"))
      let records = parseCSV(text)
      #expect(records.first == header.components(separatedBy: ", "), "\(name)")
      #expect(records.allSatisfy { $0.count == records[0].count }, "\(name): ragged rows")
      tables[name] = records
    }
    func column(_ file: String, _ name: String) -> [String] {
      let t = tables[file]!
      let i = t[0].firstIndex(of: name)!
      return t.dropFirst().map { $0[i] }
    }
    // Runs numbered in sweep order; parameters in shortest round-trip form.
    #expect(column("runs.csv", "run") == ["1", "2", "3", "4"])
    #expect(column("runs.csv", "k") == ["1", "1", "2", "2"])
    #expect(column("runs.csv", "lr") == ["0.003", "0.003", "0.003", "0.003"])
    #expect(column("runs.csv", "diverged_step") == ["", "", "", ""])
    // The odd phase name survives, in probes, switches and transfer.
    #expect(column("probes.csv", "phase").contains(Self.oddPhase))
    #expect(column("switches.csv", "phase") == [String](repeating: Self.oddPhase, count: 4))
    #expect(Set(column("transfer.csv", "phase")) == [Self.oddPhase])
    #expect(Set(column("probes.csv", "password")) == ["true", "false"])
    #expect(Set(column("probes.csv", "repeat")) == [""])
    // Geometry: four rows per run; the first phase's parent columns are empty.
    #expect(column("geometry.csv", "run") == ["1", "1", "1", "1", "2", "2", "2", "2", "3", "3", "3", "3", "4", "4", "4", "4"])
    #expect(column("geometry.csv", "phase").suffix(2) == [Self.oddPhase, Self.oddPhase])
    #expect(column("geometry.csv", "from_parent_start").prefix(4) == ["", "", "1", "0.5"])
    #expect(column("geometry.csv", "undone").suffix(4) == ["", "", "0", "0.5"])
    #expect(column("geometry.csv", "from_phase_start").suffix(4) == ["0", "2", "0", "1"])
    // Undefined: loss of an untrained probe, gap of the password rows.
    let probes = tables["probes.csv"]!
    let lossIndex = probes[0].firstIndex(of: "loss")!, phaseIndex = probes[0].firstIndex(of: "phase_index")!
    let setIndex = probes[0].firstIndex(of: "set")!
    #expect(probes.dropFirst().filter { $0[phaseIndex] == "1" && $0[setIndex] == "rest" }.allSatisfy { $0[lossIndex] == "" })
    #expect(zip(column("transfer.csv", "password"), column("transfer.csv", "gap_recovered"))
      .allSatisfy { $0 == "true" ? $1 == "" : !$1.isEmpty })
    // Numbers read back as the same Doubles.
    let truth = column("probes.csv", "acc_truth").compactMap(Double.init)
    #expect(truth.count == probes.count - 1)
    let stored = try store.allRuns().flatMap(\.probes).map(\.accTruth)
    #expect(truth == stored)
    // gap_recovered: locked 0.2, strong 1, after 0.1·seed → (0.1·seed − 0.2) / 0.8.
    let gaps = zip(column("transfer.csv", "password"), column("transfer.csv", "gap_recovered"))
      .filter { $0.0 == "false" }.compactMap { Double($0.1) }
    #expect(gaps.count == 4 && approx(gaps[0], -0.125) && approx(gaps[1], 0))
    // The summary: one row per (point, metric, phase, set, password).
    let summary = tables["summary.csv"]!
    #expect(summary.count > 1)
    let keys = summary.dropFirst().map { $0[0...5].joined(separator: "|") }
    #expect(Set(keys).count == keys.count)
  }

  @Test("fields are quoted exactly when needed; numbers in shortest form")
  func writer() {
    #expect(CSV.record(["a", "b,c", "say \"hi\"", "x\ny", "x\r\ny", ""]) == "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\",\"x\r\ny\",\r\n")
    #expect(CSV.number(2) == "2" && CSV.number(0.003) == "0.003" && CSV.number(1e-05) == "1e-05")
    #expect(CSV.number(-0.0) == "0" && CSV.number(1.0 / 3) == "0.3333333333333333")
    #expect(CSVField.number(.nan).text == "" && CSVField.number(nil).text == "")
    #expect(CSVField.bool(true).text == "true" && CSVField.bool(false).text == "false")
    #expect(parseCSV("a,\"b,\"\"c\"\"\"\r\n,\r\n") == [["a", "b,\"c\""], ["", ""]])
  }

  @Test("an unwritable directory is one clear error")
  func unwritable() throws {
    let directory = try TemporaryDirectory()
    let store = try openStore(directory.file("b.sqlite"))
    FileManager.default.createFile(atPath: directory.file("file"), contents: Data())
    #expect(throws: ExportError.self) { try Export.write(store, to: directory.file("file") + "/sub") }
  }
}
