// Reading a batch back into the record types, for analysis and export. Runs come in sweep order
// (`RunKey.sweepOrder`, in Records), which does not depend on the order in which parallel runs finished, so
// two databases of the same batch read back identically however they were written.
//
// A database opened for reading keeps its schema version: version 1 has no `trials` table and
// no `trials`, `lanes` or `facts` columns in `phases` (its phases read with no trials and no
// lanes), version 2 no `facts` (recovered through `legacyFacts`).

import Records
import Specification

extension Store: RunSource {
  public var scenarioName: String { meta.scenarioName }

  /// Each run's id in `runs`: assigned once, when the run is stored, so the `run` column of two
  /// exports of one database agrees however many runs came in between.
  public func runNumbers() throws -> [RunKey: Int]? {
    try locked {
      let statement = try db.prepare("SELECT id, parameters, seed FROM runs")
      var numbers: [RunKey: Int] = [:]
      while try statement.step() { numbers[try key(statement, parameters: 1, seed: 2)] = statement.int(0) }
      return numbers
    }
  }

  /// Every run with its phases but without probes (`probes` is empty), in sweep order.
  public func runs() throws -> [RunRecord] {
    try locked { try runRows(nil).map(\.record) }
  }

  /// One run with its phases and probes, or nil if it is not stored.
  public func run(_ key: RunKey) throws -> RunRecord? {
    try locked {
      guard let (id, record) = try runRows(key).first else { return nil }
      return try withProbes(record, id: id)
    }
  }

  /// Calls `body` with every run, phases, probes and trials filled, in sweep order; holds one run's
  /// probes in memory at a time. Each run is read as committed (runs are written atomically).
  public func forEachRun(_ body: (RunRecord) throws -> Void) throws {
    let rows = try locked { try runRows(nil) }
    for (id, record) in rows {
      try body(try locked { try withProbes(record, id: id) })
    }
  }

  /// Every run with phases and probes, in sweep order (see `forEachRun` to stream instead).
  public func allRuns() throws -> [RunRecord] {
    var records: [RunRecord] = []
    try forEachRun { records.append($0) }
    return records
  }

  /// The number of stored runs.
  public func runCount() throws -> Int {
    try locked { Int(try db.scalarText("SELECT count(*) FROM runs") ?? "0") ?? 0 }
  }

  /// The number of stored probe rows.
  public func probeCount() throws -> Int {
    try locked { Int(try db.scalarText("SELECT count(*) FROM probes") ?? "0") ?? 0 }
  }

  // MARK: Rows

  /// Run rows (of one key, or all) with phases, probes empty, in sweep order.
  private func runRows(_ key: RunKey?) throws -> [(id: Int64, record: RunRecord)] {
    let statement = try db.prepare(
      """
      SELECT id, parameters, seed, status, steps, examples, wall_seconds, diverged_step, sets
      FROM runs \(key == nil ? "" : "WHERE point = ? AND seed = ?")
      """)
    if let key {
      try statement.bind(key.pointLabel, at: 1)
      try statement.bind(Int64(bitPattern: key.seed), at: 2)
    }
    var rows: [(id: Int64, record: RunRecord)] = []
    while try statement.step() {
      let statusText = statement.text(3) ?? ""
      guard let status = RunStatus(rawValue: statusText) else {
        throw StoreError.database(path: path, message: "unknown run status '\(statusText)'")
      }
      let record = RunRecord(
        key: try self.key(statement, parameters: 1, seed: 2), status: status,
        steps: statement.int(4), examples: statement.int(5), wallSeconds: statement.real(6) ?? .nan,
        divergedStep: statement.optionalInt(7), phases: [], probes: [],
        sets: try decodeJSON([SetRecord].self, statement.text(8)))
      rows.append((statement.int64(0), record))
    }
    let phases = try phaseRows(key == nil ? nil : rows.first?.id)
    for index in rows.indices {
      var runPhases = phases[rows[index].id]?.map(\.phase) ?? []
      if phases[rows[index].id]?.contains(where: { !$0.hasFacts }) == true {
        let key = rows[index].record.key
        guard let facts = legacyFacts?(key), facts.count >= runPhases.count else {
          throw StoreError.database(
            path: path,
            message: "the run seed \(key.seed)\(key.parameters.isEmpty ? "" : " (\(key.pointLabel))") was "
              + "stored by an earlier taboo without its phases' facts, and they cannot be recovered "
              + "from the stored scenario")
        }
        for (i, phase) in zip(phases[rows[index].id]!.indices, phases[rows[index].id]!) where !phase.hasFacts {
          runPhases[i].facts = facts[runPhases[i].index]
        }
      }
      rows[index].record.phases = runPhases
    }
    rows.sort { RunKey.sweepOrder($0.record.key, $1.record.key) }
    return rows
  }

  /// Phases by run id, of one run or all, in phase order; `hasFacts` is false for rows written
  /// before version 3 (their `facts` are defaults until `legacyFacts` fills them).
  private func phaseRows(_ runID: Int64?) throws -> [Int64: [(phase: PhaseRecord, hasFacts: Bool)]] {
    let version = meta.schemaVersion
    let statement = try db.prepare(
      """
      SELECT run_id, phase_index, name, repeat_index, start_step, end_step, start_examples,
             end_examples, frozen, criterion_step, streams,
             \(version >= 2 ? "trials, lanes" : "0, 0"), \(version >= 3 ? "facts" : "NULL")
      FROM phases \(runID == nil ? "" : "WHERE run_id = ?")
      ORDER BY run_id, phase_index
      """)
    if let runID { try statement.bind(runID, at: 1) }
    var phases: [Int64: [(phase: PhaseRecord, hasFacts: Bool)]] = [:]
    while try statement.step() {
      let facts = try statement.text(13).map { try decodeJSON(PhaseFacts.self, $0) }
      let phase = PhaseRecord(
        index: statement.int(1), name: statement.text(2) ?? "",
        repeatIndex: statement.optionalInt(3), startStep: statement.int(4),
        endStep: statement.int(5), startExamples: statement.int(6),
        endExamples: statement.int(7),
        streams: try decodeJSON([StreamRecord].self, statement.text(10)),
        frozen: statement.bool(8), criterionStep: statement.optionalInt(9),
        trials: statement.int(11), lanes: statement.int(12), facts: facts ?? PhaseFacts())
      phases[statement.int64(0), default: []].append((phase, facts != nil))
    }
    return phases
  }

  private func withProbes(_ record: RunRecord, id: Int64) throws -> RunRecord {
    var record = record
    record.probes = try probeRows(id)
    record.trials = try trialRows(id)
    record.geometry = try geometryRows(id)
    return record
  }

  /// A run's geometry in (phase, step) order; empty before version 4.
  private func geometryRows(_ runID: Int64) throws -> [GeometryRecord] {
    guard meta.schemaVersion >= 4 else { return [] }
    let statement = try db.prepare(
      """
      SELECT phase_index, step, examples, from_phase_start, from_parent_start,
             parent_displacement, undone
      FROM geometry WHERE run_id = ? ORDER BY phase_index, step
      """)
    try statement.bind(runID, at: 1)
    var points: [GeometryRecord] = []
    while try statement.step() {
      points.append(
        GeometryRecord(
          phaseIndex: statement.int(0), step: statement.int(1), examples: statement.int(2),
          fromPhaseStart: statement.real(3) ?? .nan, fromParentStart: statement.real(4),
          parentDisplacement: statement.real(5), undone: statement.real(6)))
    }
    return points
  }

  /// A run's trials in (phase, trial, lane) order.
  private func trialRows(_ runID: Int64) throws -> [TrialRecord] {
    guard meta.schemaVersion >= 2 else { return [] }
    let statement = try db.prepare(
      """
      SELECT phase_index, trial, lane, stream, item, answer, target_answer, old_answer,
             truth_answer, taboo_answer
      FROM trials WHERE run_id = ? ORDER BY phase_index, trial, lane
      """)
    try statement.bind(runID, at: 1)
    var trials: [TrialRecord] = []
    while try statement.step() {
      trials.append(
        TrialRecord(
          phaseIndex: statement.int(0), trial: statement.int(1), lane: statement.int(2),
          stream: statement.int(3), item: statement.int(4), answer: statement.int(5),
          targetAnswer: statement.int(6), oldAnswer: statement.optionalInt(7),
          truthAnswer: statement.int(8), tabooAnswer: statement.int(9)))
    }
    return trials
  }

  /// A run's probes in the order they were written.
  private func probeRows(_ runID: Int64) throws -> [ProbeRecord] {
    let statement = try db.prepare(
      """
      SELECT phase_index, step, examples, set_name, password, acc_truth, acc_taboo, p_truth,
             p_taboo, target, acc_target, loss,
             \(meta.schemaVersion >= 4 ? "conventions, latent" : "NULL, NULL")
      FROM probes WHERE run_id = ? ORDER BY ordinal
      """)
    try statement.bind(runID, at: 1)
    var probes: [ProbeRecord] = []
    while try statement.step() {
      probes.append(
        ProbeRecord(
          phaseIndex: statement.int(0), step: statement.int(1), examples: statement.int(2),
          set: statement.text(3) ?? "", password: statement.bool(4),
          accTruth: statement.real(5) ?? .nan, accTaboo: statement.real(6) ?? .nan,
          pTruth: statement.real(7) ?? .nan, pTaboo: statement.real(8) ?? .nan,
          target: statement.text(9).map(TargetKind.init(stored:)), accTarget: statement.real(10),
          loss: statement.real(11),
          conventions: try statement.text(12).map { try decodeJSON([ConventionScore].self, $0) } ?? [],
          latent: try statement.text(13).map { try decodeJSON([LatentScore].self, $0) } ?? []))
    }
    return probes
  }
}
