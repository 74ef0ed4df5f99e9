// `taboo merge`: combining the shard databases of one batch (`taboo run --shard I/N`) into one.
// A merge is all or nothing. The inputs are first combined in a new database beside the output
// (a dot-name in the same directory), each input attached and copied in one transaction; runs
// found in several inputs must be identical. A new output is then that file, renamed into place;
// an existing output receives the combined runs in one more transaction, in which the runs it
// already holds must be identical too. A conflict, a damaged input or any other failure leaves
// no output where there was none and an existing output as it was. Runs already in the output
// are skipped when identical, so merging is idempotent: repeating a merge adds nothing.

import Foundation
import Records

/// What a merge did.
public struct MergeReport: Sendable, Hashable {
  public struct Input: Sendable, Hashable {
    public var path: String
    /// Runs copied into the output.
    public var added: Int
    /// Runs already in the output (or in an earlier input) with identical results, not copied
    /// again.
    public var skipped: Int
  }
  public var output: String
  public var inputs: [Input]
  /// The runs in the output after the merge.
  public var total = 0
  public var added: Int { inputs.reduce(0) { $0 + $1.added } }
  public var skipped: Int { inputs.reduce(0) { $0 + $1.skipped } }
}

extension Store {
  /// Merges the databases `inputs` (the shards of one batch) into `output`, all or nothing.
  ///
  /// All inputs must hold the same scenario text (else `mergeDifferentBatch` names the odd one,
  /// before anything is written). The output is created if missing; an existing output must be a
  /// taboo database of the same scenario, and is added to. A run present in several databases is
  /// copied once if its results are identical — same status, steps, examples, diverged step,
  /// phases, probes and trials; wall time and finish time may differ — and is a `mergeConflict` if
  /// not; the merge then leaves no output, or the existing output unchanged. `waiting` is told
  /// when the output is locked by another process (the merge waits for it).
  @discardableResult
  public static func merge(
    inputs: [String], into output: String, waiting: (@Sendable () -> Void)? = nil
  ) throws -> MergeReport {
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
    var target: Store?
    if FileManager.default.fileExists(atPath: output) {
      let existing: Store
      do { existing = try Store.open(existing: output) } catch StoreError.damaged {
        throw StoreError.mergeOutputDamaged(path: output)
      }
      guard existing.meta.scenarioHash == reference.scenarioHash else {
        throw StoreError.mergeOutputDifferentBatch(
          path: output, name: existing.meta.scenarioName, inputsName: reference.scenarioName)
      }
      existing.db.busy.limit = nil
      existing.db.busy.notice = waiting
      try wrapping(output) { try checkWritable(existing.db, path: output) }
      target = existing
    }

    // The inputs, combined in a new file beside the output.
    let staging = stagingPath(beside: output)
    defer {
      for suffix in ["", "-wal", "-shm", "-journal"] {
        try? FileManager.default.removeItem(atPath: staging + suffix)
      }
    }
    var report = MergeReport(output: output, inputs: [])
    var origin: [RunIdentity: Int] = [:]  // the input each combined run came from
    do {
      let combined = try Store.open(
        path: staging, scenarioName: reference.scenarioName, scenarioText: reference.scenarioText,
        version: reference.version)
      for (index, input) in inputs.enumerated() {
        let copied: (added: [RunIdentity], skipped: [RunIdentity])
        do {
          copied = try combined.locked { try combined.mergeOne(input, outputName: output) }
        } catch StoreError.mergeConflict(let point, let seed, let path, _) {
          // The run came from an earlier input.
          let earlier = origin[RunIdentity(point: point, seed: Int64(bitPattern: seed))]
          throw StoreError.mergeConflict(
            point: point, seed: seed, path: path, outputPath: earlier.map { inputs[$0] } ?? output)
        }
        report.inputs.append(
          MergeReport.Input(path: input, added: copied.added.count, skipped: copied.skipped.count))
        for run in copied.added { origin[run] = index }
      }
      report.total = try combined.runCount()
      try combined.locked {
        // Every page in the file itself, so that renaming it moves the whole database.
        try combined.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        combined.db.close()
      }
    }

    guard let target else {
      guard rename(staging, output) == 0 else {
        throw StoreError.database(
          path: output, message: "cannot create it (\(String(cString: strerror(errno))))")
      }
      return report
    }
    do {
      let copied = try target.locked { try target.mergeOne(staging, outputName: output) }
      for run in copied.skipped {
        guard let index = origin[run] else { continue }
        report.inputs[index].added -= 1
        report.inputs[index].skipped += 1
      }
      report.total = try target.runCount()
      return report
    } catch StoreError.mergeConflict(let point, let seed, _, let outputPath) {
      let index = origin[RunIdentity(point: point, seed: Int64(bitPattern: seed))]
      throw StoreError.mergeConflict(
        point: point, seed: seed, path: index.map { inputs[$0] } ?? staging,
        outputPath: outputPath)
    }
  }

  /// A run's key as stored: the point label and the seed's bit pattern.
  struct RunIdentity: Hashable {
    var point: String
    var seed: Int64
  }

  /// A new name in the directory of `path`, hidden (a dot-name), for a file renamed to `path`.
  private static func stagingPath(beside path: String) -> String {
    let url = URL(fileURLWithPath: path)
    let tag = UUID().uuidString.prefix(8).lowercased()
    return url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).merging-\(tag)"
    ).path
  }

  /// Copies the runs of the database at `input` that this one lacks, in one transaction, and
  /// says which runs were copied and which were already here (identical). `outputName` is the
  /// database named in a conflict.
  private func mergeOne(_ input: String, outputName: String) throws
    -> (added: [RunIdentity], skipped: [RunIdentity])
  {
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
      var skipped: [RunIdentity] = []
      while try duplicates.step() {
        guard try identical(shardRun: duplicates.int64(0), outputRun: duplicates.int64(1)) else {
          throw StoreError.mergeConflict(
            point: duplicates.text(2) ?? "", seed: UInt64(bitPattern: duplicates.int64(3)),
            path: input, outputPath: outputName)
        }
        skipped.append(RunIdentity(point: duplicates.text(2) ?? "", seed: duplicates.int64(3)))
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
      let newRuns = try db.prepare("SELECT point, seed FROM main.runs WHERE id > ? ORDER BY id")
      try newRuns.bind(before, at: 1)
      var added: [RunIdentity] = []
      while try newRuns.step() {
        added.append(RunIdentity(point: newRuns.text(0) ?? "", seed: newRuns.int64(1)))
      }
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
                                 acc_truth, acc_taboo, p_truth, p_taboo, target, acc_target, loss,
                                 conventions, latent)
        SELECT map.target, p.ordinal, p.phase_index, p.step, p.examples, p.set_name, p.password,
               p.acc_truth, p.acc_taboo, p.p_truth, p.p_taboo, p.target, p.acc_target, p.loss,
               p.conventions, p.latent
        FROM temp.merge_map map JOIN shard.probes p ON p.run_id = map.source
        ORDER BY map.target, p.ordinal;

        INSERT INTO main.geometry (run_id, phase_index, step, examples, from_phase_start,
                                   from_parent_start, parent_displacement, undone)
        SELECT map.target, g.phase_index, g.step, g.examples, g.from_phase_start,
               g.from_parent_start, g.parent_displacement, g.undone
        FROM temp.merge_map map JOIN shard.geometry g ON g.run_id = map.source
        ORDER BY map.target, g.phase_index, g.step;

        INSERT INTO main.trials (run_id, phase_index, trial, lane, stream, item, answer,
                                 target_answer, old_answer, truth_answer, taboo_answer)
        SELECT map.target, t.phase_index, t.trial, t.lane, t.stream, t.item, t.answer,
               t.target_answer, t.old_answer, t.truth_answer, t.taboo_answer
        FROM temp.merge_map map JOIN shard.trials t ON t.run_id = map.source
        ORDER BY map.target, t.phase_index, t.trial, t.lane;

        DELETE FROM temp.merge_map;
        """)
      return (added, skipped)
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
               p_truth, p_taboo, target, acc_target, loss, conventions, latent
        FROM shard.probes WHERE run_id = ?1
        EXCEPT
        SELECT ordinal, phase_index, step, examples, set_name, password, acc_truth, acc_taboo,
               p_truth, p_taboo, target, acc_target, loss, conventions, latent
        FROM main.probes WHERE run_id = ?2)
      """,
      """
      SELECT (SELECT count(*) FROM shard.geometry WHERE run_id = ?1)
           - (SELECT count(*) FROM main.geometry WHERE run_id = ?2)
      """,
      """
      SELECT count(*) FROM (
        SELECT phase_index, step, examples, from_phase_start, from_parent_start,
               parent_displacement, undone FROM shard.geometry WHERE run_id = ?1
        EXCEPT
        SELECT phase_index, step, examples, from_phase_start, from_parent_start,
               parent_displacement, undone FROM main.geometry WHERE run_id = ?2)
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
