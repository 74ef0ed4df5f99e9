// `taboo run FILE`: every sweep point times every seed, in parallel, into one SQLite database;
// resumable (complete runs are skipped), interruptible (the first Ctrl-C or SIGTERM finishes and
// stores the runs in flight, a second Ctrl-C or the end of the grace period stops at once),
// deterministic whatever the number of threads.

import Foundation
import LinearAlgebra
import Records
import Analysis
import Output
import Store
import ScenarioLanguage
import Simulation
import Specification
import Synchronization

struct RunCommand: Command {
  let spec = CommandSpec(
    name: "run",
    summary: "Run a scenario's batch (sweep points × seeds) into an SQLite database.",
    positionals: PositionalSpec(name: "FILE", minimum: 1, maximum: 1, help: "The scenario file."),
    options: [
      OptionSpec(name: "jobs", value: "N", help: "Runs in parallel, one per thread (default: the number of cores)."),
      OptionSpec(name: "seeds", value: "A..B", help: "Seeds to run instead of the scenario's `seeds` (also a single seed)."),
      OptionSpec(name: "set", value: "NAME=VALUE", help: "Fix a parameter (a `let` or a swept one) to one value.", repeatable: true),
      OptionSpec(name: "db", value: "PATH", help: "The results database (default: runs/<scenario file name>.sqlite)."),
      OptionSpec(name: "shard", value: "I/N", help: "Run only the I-th of N deterministic slices of the batch (for job arrays); `auto` (or auto/N) inside a SLURM array task."),
      OptionSpec(name: "db-dir", value: "DIR", help: "With --shard auto and no --db: the shard database is DIR/shards/shard-<task id>.sqlite (default DIR: runs)."),
      OptionSpec(name: "force-new", value: nil, help: "If the database holds another scenario's batch, move it aside as a backup copy and start afresh."),
      OptionSpec(name: "grace", value: "SECONDS", help: "After SIGTERM, how long the runs in flight may take to finish and be stored (default 30)."),
    ],
    discussion: """
      Running the same command again resumes: runs already in the database are skipped. A database
      holding another scenario's results is refused. Shards written to separate databases are
      combined with `taboo merge`.

      SIGNALS:
        Ctrl-C (SIGINT)  no new run starts; the runs in flight finish and are stored. A second
                         Ctrl-C quits at once (finished runs are kept; the database stays sound).
        SIGTERM          the same, for at most --grace seconds (default 30, as schedulers give
                         before killing a job); then the runs still in flight are abandoned.

      EXIT CODES:
        0    every run finished (complete or diverged)
        1    a run could not be built or the database failed
        64   the command line is wrong
        65   the scenario has errors
        130  interrupted (Ctrl-C); run the same command to resume
        143  terminated (SIGTERM); run the same command to resume
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let path = arguments.positionals[0]
    var options: Options
    do {
      options = try Options(
        arguments, cores: ProcessInfo.processInfo.activeProcessorCount,
        environment: ProcessInfo.processInfo.environment)
    } catch {
      console.usageError(error)
      return .usage
    }
    guard let loaded = loadScenario(path, settings: arguments.values("set"), console) else {
      return .badScenario
    }
    if loaded.usage { return .usage }
    guard let scenario = loaded.scenario else { return .failure }
    let text = loaded.text
    options.overrides = loaded.overrides
    let batch = BatchPlan(
      scenario: scenario, seeds: options.seeds, overrides: options.overrides, unset: loaded.unset,
      shard: options.shard)
    let jobs = batch.jobs

    let dbPath = options.db ?? "runs/\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent).sqlite"
    let store: Store
    let done: Set<RunKey>
    // The batch's identity: the file's own run specifications (without --set), so that an edit
    // of a comment keeps the database and an edit that changes results is named.
    let unset = loaded.unset ?? scenario
    let identity = BatchIdentity(
      specs: unset.sweepPoints.prefix(Limits.checkedSweepPoints).map { unset.resolved(at: $0) })
    let change: (String) -> String? = { storedText in
      guard let old = ScenarioChecker.check(text: storedText).scenario else {
        return "its stored scenario no longer checks"
      }
      return identity.change(
        from: BatchIdentity(specs: old.sweepPoints.prefix(Limits.checkedSweepPoints).map { old.resolved(at: $0) }))
    }
    func open() throws -> Store {
      try Store.open(
        path: dbPath, scenarioName: scenario.name, scenarioText: text, version: version,
        waiting: {
          console.error((console.errorIsTerminal ? "\r\u{1B}[K" : "")
            + "taboo: database locked by another process; waiting… (\(dbPath))")
        }, change: change)
    }
    do {
      do {
        store = try open()
      } catch StoreError.differentScenario(_, _, let difference) where arguments.flag("force-new") {
        let backup = try Self.moveAside(dbPath)
        console.error("taboo: \(dbPath) held another batch (\(difference)); kept it as \(backup) and started afresh")
        store = try open()
      }
      done = try store.completedRuns()
      try store.setPlannedRuns(jobs.count)
    } catch {
      console.error("error: \(error)")
      return .failure
    }
    let pending = jobs.filter { !done.contains($0.key) }
    let skipped = jobs.count - pending.count
    BLAS.threads = 1
    let threads = min(options.jobs, max(pending.count, 1))
    console.error("taboo: '\(scenario.name)': \(jobs.count) runs"
      + (skipped > 0 ? ", \(skipped) already in \(dbPath)" : "")
      + (pending.isEmpty ? "" : "; running \(pending.count) on \(threads) thread\(threads == 1 ? "" : "s")"))

    let interrupt = Interrupt.install(console, grace: options.grace, inFlight: threads)
    let progress = Progress(total: pending.count, console: console)
    let runner = BatchRunner(threads: threads)
    var written = 0, diverged = 0, elsewhere = 0, failures: [String] = []
    // Several processes may run one batch into one database: each claims a run before training
    // it, so no run is trained twice (Store+Claims.swift).
    let owner = Store.newOwner()
    var lastHeartbeat = Date()
    defer {
      try? store.release(owner: owner)
      store.close()  // now, not when the last worker thread lets go of it
    }
    var runSeconds = 0.0, probeSeconds = 0.0, storeSeconds = 0.0
    var storeError: String? = nil
    runner.run(
      pending, stopping: { interrupt.stopping }, abandoning: { interrupt.abandoning },
      claim: { job in
        switch (try? store.claim(job.key, owner: owner)) ?? .taken {
        case .claimed: .run
        case .done: .skip
        case .taken: .later
        }
      },
      deliver: { outcome in
      switch outcome {
      case .finished(let record, let probing):
        do {
          let writeStart = Date()
          _ = try store.write(record)
          try? store.release(owner: owner, record.key)
          storeSeconds += Date().timeIntervalSince(writeStart)
          runSeconds += record.wallSeconds
          probeSeconds += probing
          written += 1
          if record.status == .diverged {
            diverged += 1
            progress.note("seed \(record.key.seed)\(label(record.key)) diverged at step \(record.divergedStep ?? 0)")
          }
        } catch {
          storeError = "\(error)"
          interrupt.abandon()
        }
      case .failed(let key, let message):
        try? store.release(owner: owner, key)
        failures.append("seed \(key.seed)\(label(key)): \(message)")
        progress.note("error: seed \(key.seed)\(label(key)): \(message)")
      case .doneElsewhere:
        elsewhere += 1
      }
      progress.finished += 1
    }, tick: {
      if Date().timeIntervalSince(lastHeartbeat) >= 1 {
        try? store.heartbeat(owner: owner)
        lastHeartbeat = Date()
      }
      progress.draw(runner.workers)
    })
    progress.clear()

    if let storeError {
      console.error("error: \(storeError)")
      return .failure
    }
    let complete = skipped + written + elsewhere
    if interrupt.stopping {
      let what = interrupt.terminated ? "terminated" : "interrupted"
      let now = (try? store.runCount()) ?? complete + elsewhere
      console.error("\(what): \(written) run\(written == 1 ? "" : "s") written, \(now) of \(jobs.count) "
        + "runs are in \(dbPath); run the same command to resume.")
      return interrupt.terminated ? .terminated : .interrupted
    }
    console.error("taboo: \(written) run\(written == 1 ? "" : "s") trained and written here"
      + (diverged > 0 ? " (\(diverged) diverged)" : "") + " in \(progress.elapsedText)"
      + (elsewhere > 0 ? "; \(elsewhere) written meanwhile by another process on this database" : "")
      + (failures.isEmpty ? "" : "; \(failures.count) could not run"))
    if runSeconds > 0 {
      let total = runSeconds + storeSeconds
      console.error(String(
        format: "time: training %.0f%% · probes %.0f%% · store %.1f%% (%.1f s of run time in all)",
        100 * (runSeconds - probeSeconds) / total, 100 * probeSeconds / total,
        100 * storeSeconds / total, total))
    }
    console.out("results: \(dbPath) (\(complete) of \(jobs.count) runs)")
    return failures.isEmpty ? .success : .failure
  }

  /// Moves a database (and its -wal and -shm files) to `PATH.backup-DATE`; returns the new path.
  static func moveAside(_ path: String) throws -> String {
    let stamp = Date.now.ISO8601Format().replacingOccurrences(of: ":", with: "")
    let backup = "\(path).backup-\(stamp)"
    for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
      try FileManager.default.moveItem(atPath: path + suffix, toPath: backup + suffix)
    }
    return backup
  }

  private func label(_ key: RunKey) -> String {
    key.parameters.isEmpty ? "" : " (\(key.pointLabel))"
  }

  /// The checked scenario (with the `--set` values applied) and its exact text, or nil after
  /// printing why not; `usage` when a `--set` is wrong (exit 64, as in `explain`).
  private func loadScenario(_ path: String, settings: [String], _ console: Console)
    -> (scenario: Scenario?, text: String, overrides: [String: Double], usage: Bool, unset: Scenario?)?
  {
    let source: SourceFile
    switch ScenarioInput.read(path) {
    case .failure(let problem):
      // An unreadable file is a failure (1), as in `check` and `explain`; a bad scenario is 65.
      console.error("error: \(problem.sentence)")
      return (nil, "", [:], false, nil)
    case .success(let file): source = file
    }
    let renderer = DiagnosticRenderer(colors: console.errorColors)
    func refuse(_ result: CheckResult) -> Bool {
      if !result.diagnostics.isEmpty { console.error(renderer.render(result.diagnostics, in: source)) }
      guard result.scenario == nil else { return false }
      console.error("error: '\(path)' has \(CheckCommand.summary(errors: result.errors.count, warnings: result.warnings.count)); nothing was run")
      return true
    }
    var result = ScenarioChecker.check(source, model: StaticModel())
    guard let plain = result.scenario else {
      _ = refuse(result)
      return nil
    }
    let overrides: [String: Double]
    do {
      overrides = try ParameterSettings.parse(settings, parameters: plain.parameters.map(\.name))
    } catch {
      console.usageError(UsageError(error.message, help: error.help))
      return (nil, source.text, [:], true, nil)
    }
    if !overrides.isEmpty { result = ScenarioChecker.check(source, overrides: overrides, model: StaticModel()) }
    if refuse(result) { return nil }
    return (result.scenario, source.text, overrides, false, plain)
  }

  /// The parsed options of `taboo run`.
  struct Options {
    var jobs: Int
    var seeds: [UInt64]?
    var overrides: [String: Double] = [:]
    var db: String?
    var shard: (Int, Int)?
    /// With `--shard auto`: the SLURM array task id (names the default database).
    var taskID: Int?
    /// Seconds the runs in flight may take after SIGTERM.
    var grace: Double = 30

    init(_ arguments: ParsedArguments, cores: Int, environment: [String: String] = [:]) throws(UsageError) {
      if let text = arguments.value("jobs") {
        guard let n = Int(text), n >= 1, n <= 1024 else {
          throw UsageError("--jobs wants a number of threads from 1 to 1024, not '\(text)'")
        }
        jobs = n
      } else {
        jobs = max(1, cores)
      }
      if let text = arguments.value("seeds") {
        seeds = try Self.seeds(text)
      }
      db = arguments.value("db")
      if let text = arguments.value("grace") {
        guard let seconds = Double(text), seconds >= 0, seconds <= 86_400 else {
          throw UsageError("--grace wants seconds from 0 to 86400, e.g. --grace 30, not '\(text)'")
        }
        grace = seconds
      }
      if let text = arguments.value("shard"), text == "auto" || text.hasPrefix("auto/") {
        var (i, n, task) = try Self.slurmShard(environment)
        // `auto/N`: the array's tasks are 1…N, even when only some are (re)submitted
        // (`sbatch --array=3` after task 3 failed): shard = task id of N.
        if text != "auto" {
          guard let total = Int(text.dropFirst(5)), total >= 1 else {
            throw UsageError("--shard wants auto or auto/N (N tasks numbered 1…N), not '\(text)'")
          }
          guard task >= 1, task <= total else {
            throw UsageError("--shard \(text): SLURM_ARRAY_TASK_ID is \(task), not a task from 1 to \(total)")
          }
          (i, n) = (task, total)
        }
        shard = (i, n)
        taskID = task
        if db == nil {
          let dir = arguments.value("db-dir") ?? "runs"
          db = (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + "/shards/shard-\(task).sqlite"
        }
      } else if arguments.value("db-dir") != nil {
        throw UsageError("--db-dir is for --shard auto (without --db)", help: "use --db PATH for one database")
      } else if let text = arguments.value("shard") {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 1, i <= n else {
          throw UsageError("--shard wants I/N with 1 ≤ I ≤ N, e.g. --shard 2/8, not '\(text)'")
        }
        shard = (i, n)
      }
    }

    /// `--shard auto`: shard I of N from a SLURM array task's environment (I = task id − min + 1,
    /// N = count, or max − min + 1), and the task id.
    static func slurmShard(_ environment: [String: String]) throws(UsageError) -> (Int, Int, Int) {
      func number(_ name: String) throws(UsageError) -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
          throw UsageError("--shard auto: \(name) is '\(text)', not a task number")
        }
        return value
      }
      guard let task = try number("SLURM_ARRAY_TASK_ID") else {
        throw UsageError(
          "--shard auto needs SLURM_ARRAY_TASK_ID, which is not set (this is not a SLURM array task)",
          help: "submit it as an array job (sbatch --array=1-N, e.g. with the scripts of taboo slurm), or give --shard I/N")
      }
      guard let minimum = try number("SLURM_ARRAY_TASK_MIN") else {
        throw UsageError("--shard auto needs SLURM_ARRAY_TASK_MIN, which is not set (SLURM_ARRAY_TASK_ID is \(task))")
      }
      let count: Int
      if let c = try number("SLURM_ARRAY_TASK_COUNT") {
        count = c
      } else if let maximum = try number("SLURM_ARRAY_TASK_MAX") {
        count = maximum - minimum + 1
      } else {
        throw UsageError("--shard auto needs SLURM_ARRAY_TASK_MAX or SLURM_ARRAY_TASK_COUNT, neither is set")
      }
      let index = task - minimum + 1
      guard environment["SLURM_ARRAY_TASK_STEP"].map({ $0 == "1" }) ?? true else {
        throw UsageError("--shard auto wants an array with step 1, not SLURM_ARRAY_TASK_STEP=\(environment["SLURM_ARRAY_TASK_STEP"]!)")
      }
      guard count >= 1, index >= 1, index <= count else {
        throw UsageError(
          "--shard auto: task \(task) is not in the array's \(count) tasks from \(minimum) "
            + "(SLURM_ARRAY_TASK_ID, _MIN, _MAX/_COUNT)",
          help: "submit the array as --array=1-N (a contiguous range, step 1)")
      }
      return (index, count, task)
    }

    static func seeds(_ text: String) throws(UsageError) -> [UInt64] {
      let bounds = text.components(separatedBy: "..")
      let numbers = bounds.map { UInt64($0) }
      if numbers.count == 1, let seed = numbers[0] { return [seed] }
      guard numbers.count == 2, let a = numbers[0], let b = numbers[1], a <= b else {
        throw UsageError("--seeds wants A..B with A ≤ B (or one seed), e.g. --seeds 1..10, not '\(text)'")
      }
      guard b - a < UInt64(Limits.runs) else {
        throw UsageError(
          "--seeds \(text) is \(b - a + 1) seeds, more than the limit of \(Limits.runs) runs in a batch",
          help: "run fewer seeds at a time, e.g. --seeds \(a)..\(a + UInt64(Limits.runs) - 1)")
      }
      return Array(a...b)
    }
  }
}

/// Ctrl-C and SIGTERM. The first Ctrl-C (or a SIGTERM) stops new runs from starting and lets
/// the runs in flight finish and be stored; a second Ctrl-C quits at once, and after a SIGTERM
/// the runs still in flight are abandoned when the grace period ends. Nothing half-written can
/// result: each run is stored in one transaction.
/// `@unchecked`: the signal sources and the timer are set once, in `install`, before sharing.
final class Interrupt: @unchecked Sendable {
  /// 0 running, 1 finishing the runs in flight, 2 abandoning them.
  private let state = Atomic<Int>(0)
  private let sigterm = Atomic<Bool>(false)
  private var sources: [DispatchSourceSignal] = []
  private var timer: DispatchSourceTimer?

  var stopping: Bool { state.load(ordering: .relaxed) >= 1 }
  var abandoning: Bool { state.load(ordering: .relaxed) >= 2 }
  var terminated: Bool { sigterm.load(ordering: .relaxed) }
  func abandon() { state.store(2, ordering: .relaxed) }

  static func install(_ console: Console, grace: Double, inFlight: Int) -> Interrupt {
    let interrupt = Interrupt()
    let runs = inFlight == 1 ? "the run in flight" : "the runs in flight"
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let int = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    int.setEventHandler {
      if interrupt.stopping { _exit(interrupt.terminated ? 143 : 130) }
      interrupt.state.store(1, ordering: .relaxed)
      console.error("\ninterrupt: no new run starts; finishing and storing \(runs) (Ctrl-C again to quit at "
        + "once; finished runs are kept)")
    }
    let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    term.setEventHandler {
      guard !interrupt.sigterm.exchange(true, ordering: .relaxed) else { return }
      interrupt.state.store(max(1, interrupt.state.load(ordering: .relaxed)), ordering: .relaxed)
      console.error("\nterminate: no new run starts; finishing and storing \(runs) for at most "
        + "\(formatNumber(grace)) s (--grace)")
      let timer = DispatchSource.makeTimerSource(queue: .global())
      timer.schedule(deadline: .now() + grace)
      timer.setEventHandler {
        guard !interrupt.abandoning else { return }
        interrupt.abandon()
        console.error("terminate: the grace period is over; abandoning \(runs) (finished runs are kept)")
      }
      timer.resume()
      interrupt.timer = timer
    }
    int.resume()
    term.resume()
    interrupt.sources = [int, term]
    return interrupt
  }
}

/// The progress line on a terminal (nothing on a pipe): runs done of total, current phases,
/// elapsed time and an estimate of the time left.
final class Progress {
  let total: Int
  let console: Console
  let start = Date()
  var finished = 0
  private var drawn = false

  init(total: Int, console: Console) {
    self.total = total
    self.console = console
  }

  var elapsedText: String { Self.duration(Date().timeIntervalSince(start)) }

  func draw(_ workers: [WorkerStatus?]) {
    guard console.errorIsTerminal else { return }
    let elapsed = Date().timeIntervalSince(start)
    let eta = finished > 0 ? Self.duration(elapsed / Double(finished) * Double(total - finished)) : "…"
    let current = workers.compactMap { $0 }.map { "seed \($0.key.seed): \($0.phase)" }
      .joined(separator: ", ")
    var line = "[\(finished)/\(total) runs] \(Self.duration(elapsed)) elapsed, ETA \(eta)"
    if !current.isEmpty { line += " · " + current }
    let width = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    if line.count > width - 1 { line = String(line.prefix(width - 2)) + "…" }
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    drawn = true
  }

  /// A line above the progress line.
  func note(_ text: String) {
    clear()
    console.error(text)
  }

  func clear() {
    guard drawn else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    drawn = false
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
    return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
  }
}
