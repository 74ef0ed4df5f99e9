// `taboo merge`: combining the shard databases of one batch (`taboo run --shard I/N`) into one.
// Each input is attached to the output's connection and copied in one transaction: an input is
// merged entirely or not at all. Runs already in the output are skipped when identical, so
// merging is idempotent: re-running an interrupted or repeated merge completes it.

import Foundation
import Records

/// What a merge did.
public struct MergeReport: Sendable, Hashable {
  public struct Input: Sendable, Hashable {
    public var path: String
    /// Runs copied into the output.
    public var added: Int
    /// Runs already in the output with identical results, not copied again.
    public var skipped: Int
  }
  public var output: String
  public var inputs: [Input]
  public var added: Int { inputs.reduce(0) { $0 + $1.added } }
  public var skipped: Int { inputs.reduce(0) { $0 + $1.skipped } }
}

extension Store {
  /// Merges the databases `inputs` (the shards of one batch) into `output`.
  ///
  /// All inputs must hold the same scenario text (else `mergeDifferentBatch` names the odd one,
  /// before anything is written). The output is created if missing; an existing output must be a
  /// taboo database of the same scenario, and is added to. A run present in several databases is
  /// copied once if its results are identical — same status, steps, examples, diverged step,
  /// phases, probes and trials; wall time and finish time may differ — and is a `mergeConflict` if not.
  @discardableResult
  public static func merge(inputs: [String], into output: String) throws -> MergeReport {
    guard let firstPath = inputs.first else { throw StoreError.mergeNoInputs }
    let outputIdentity = fileIdentity(output)
    var first: StoreMeta?
    for input in inputs {
      if let identity = outputIdentity, fileIdentity(input) == identity {
        throw StoreError.mergeInputIsOutput(path: input)
      }
      let meta = try Store.open(existing: input).meta
      if let first, meta.scenarioHash != first.scenarioHash {
        throw StoreError.mergeDifferentBatch(
          path: input, name: meta.scenarioName, firstPath: firstPath, firstName: first.scenarioName)
      }
      first = first ?? meta
    }
    guard let reference = first else { throw StoreError.mergeNoInputs }
    if FileManager.default.fileExists(atPath: output) {
      let existing = try Store.open(existing: output).meta
      guard existing.scenarioHash == reference.scenarioHash else {
        throw StoreError.mergeOutputDifferentBatch(
          path: output, name: existing.scenarioName, inputsName: reference.scenarioName)
      }
    }
    let store = try Store.open(
      path: output, scenarioName: reference.scenarioName, scenarioText: reference.scenarioText,
      version: reference.version)
    var report = MergeReport(output: output, inputs: [])
    for input in inputs {
      report.inputs.append(try store.locked { try store.mergeOne(input) })
    }
    return report
  }

  /// Copies the runs of the database at `input` that the output lacks, in one transaction.
  private func mergeOne(_ input: String) throws -> MergeReport.Input {
    // A path starting "file:" would be read as a URI by ATTACH.
    let attachPath = input.hasPrefix("file:") ? "./" + input : input
    let attach = try db.prepare("ATTACH DATABASE ? AS shard")
    try attach.bind(attachPath, at: 1)
    try attach.run()
    defer { try? db.execute("DETACH DATABASE shard") }

    return try db.transaction {
      // Runs of the shard that the output already holds must be identical.
      let duplicates = try db.prepare(
        """
        SELECT s.id, m.id, s.point, s.seed FROM shard.runs s
        JOIN main.runs m ON m.point = s.point AND m.seed = s.seed
        """)
      var skipped = 0
      while try duplicates.step() {
        guard try identical(shardRun: duplicates.int64(0), outputRun: duplicates.int64(1)) else {
          throw StoreError.mergeConflict(
            point: duplicates.text(2) ?? "", seed: UInt64(bitPattern: duplicates.int64(3)),
            path: input, outputPath: path)
        }
        skipped += 1
      }

      // The others are copied with new ids; `merge_map` pairs each shard id with its new id.
      try db.execute(
        """
        CREATE TEMP TABLE IF NOT EXISTS merge_map (source INTEGER PRIMARY KEY, target INTEGER);
        DELETE FROM temp.merge_map;
        """)
      let before =
        Int64(try db.scalarText("SELECT coalesce(max(id), 0) FROM main.runs") ?? "0") ?? 0
      try db.execute(
        """
        INSERT INTO main.runs (point, parameters, seed, status, steps, examples, wall_seconds,
                               diverged_step, finished_at, sets)
        SELECT point, parameters, seed, status, steps, examples, wall_seconds, diverged_step,
               finished_at, sets
        FROM shard.runs s
        WHERE NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.point = s.point AND m.seed = s.seed)
        ORDER BY s.id;
        """)
      let added = db.changes
      try db.execute(
        """
        INSERT INTO temp.merge_map (source, target)
        SELECT s.id, m.id FROM main.runs m
        JOIN shard.runs s ON s.point = m.point AND s.seed = m.seed
        WHERE m.id > \(before);

        INSERT INTO main.phases (run_id, phase_index, name, repeat_index, start_step, end_step,
                                 start_examples, end_examples, frozen, criterion_step, streams,
                                 trials, lanes, facts)
        SELECT map.target, p.phase_index, p.name, p.repeat_index, p.start_step, p.end_step,
               p.start_examples, p.end_examples, p.frozen, p.criterion_step, p.streams,
               p.trials, p.lanes, p.facts
        FROM temp.merge_map map JOIN shard.phases p ON p.run_id = map.source
        ORDER BY map.target, p.phase_index;

        INSERT INTO main.probes (run_id, ordinal, phase_index, step, examples, set_name, password,
                                 acc_truth, acc_taboo, p_truth, p_taboo, target, acc_target, loss)
        SELECT map.target, p.ordinal, p.phase_index, p.step, p.examples, p.set_name, p.password,
               p.acc_truth, p.acc_taboo, p.p_truth, p.p_taboo, p.target, p.acc_target, p.loss
        FROM temp.merge_map map JOIN shard.probes p ON p.run_id = map.source
        ORDER BY map.target, p.ordinal;

        INSERT INTO main.trials (run_id, phase_index, trial, lane, stream, item, answer,
                                 target_answer, old_answer, truth_answer, taboo_answer)
        SELECT map.target, t.phase_index, t.trial, t.lane, t.stream, t.item, t.answer,
               t.target_answer, t.old_answer, t.truth_answer, t.taboo_answer
        FROM temp.merge_map map JOIN shard.trials t ON t.run_id = map.source
        ORDER BY map.target, t.phase_index, t.trial, t.lane;

        DELETE FROM temp.merge_map;
        """)
      return MergeReport.Input(path: input, added: added, skipped: skipped)
    }
  }

  /// Whether a shard run and an output run hold the same results (wall and finish time aside).
  /// Compared in SQL, where equal values (including the text 'NaN') compare equal.
  private func identical(shardRun: Int64, outputRun: Int64) throws -> Bool {
    let checks = [
      """
      SELECT count(*) FROM (
        SELECT status, steps, examples, diverged_step, sets FROM shard.runs WHERE id = ?1
        EXCEPT
        SELECT status, steps, examples, diverged_step, sets FROM main.runs WHERE id = ?2)
      """,
      """
      SELECT (SELECT count(*) FROM shard.phases WHERE run_id = ?1)
           - (SELECT count(*) FROM main.phases WHERE run_id = ?2)
      """,
      """
      SELECT count(*) FROM (
        SELECT phase_index, name, repeat_index, start_step, end_step, start_examples,
               end_examples, frozen, criterion_step, streams, trials, lanes, facts
        FROM shard.phases WHERE run_id = ?1
        EXCEPT
        SELECT phase_index, name, repeat_index, start_step, end_step, start_examples,
               end_examples, frozen, criterion_step, streams, trials, lanes, facts
        FROM main.phases WHERE run_id = ?2)
      """,
      """
      SELECT (SELECT count(*) FROM shard.trials WHERE run_id = ?1)
           - (SELECT count(*) FROM main.trials WHERE run_id = ?2)
      """,
      """
      SELECT count(*) FROM (
        SELECT phase_index, trial, lane, stream, item, answer, target_answer, old_answer,
               truth_answer, taboo_answer FROM shard.trials WHERE run_id = ?1
        EXCEPT
        SELECT phase_index, trial, lane, stream, item, answer, target_answer, old_answer,
               truth_answer, taboo_answer FROM main.trials WHERE run_id = ?2)
      """,
      """
      SELECT (SELECT count(*) FROM shard.probes WHERE run_id = ?1)
           - (SELECT count(*) FROM main.probes WHERE run_id = ?2)
      """,
      """
      SELECT count(*) FROM (
        SELECT ordinal, phase_index, step, examples, set_name, password, acc_truth, acc_taboo,
               p_truth, p_taboo, target, acc_target, loss FROM shard.probes WHERE run_id = ?1
        EXCEPT
        SELECT ordinal, phase_index, step, examples, set_name, password, acc_truth, acc_taboo,
               p_truth, p_taboo, target, acc_target, loss FROM main.probes WHERE run_id = ?2)
      """,
    ]
    for sql in checks {
      let statement = try db.prepare(sql)
      try statement.bind(shardRun, at: 1)
      try statement.bind(outputRun, at: 2)
      guard try statement.step(), statement.int64(0) == 0 else { return false }
    }
    return true
  }

  /// The file's device and inode, to recognise one file under two paths; nil if it is missing.
  private static func fileIdentity(_ path: String) -> [Int]? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let device = (attributes[.systemNumber] as? NSNumber)?.intValue,
      let inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue
    else { return nil }
    return [device, inode]
  }
}
