// `taboo run FILE`: every sweep point times every seed, in parallel, into one SQLite database;
// resumable (complete runs are skipped), interruptible (Ctrl-C stops after the runs in flight),
// deterministic whatever the number of threads.

import Foundation
import LinearAlgebra
import Records
import Analysis
import Output
import Store
import ScenarioLanguage
import Simulation
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
      OptionSpec(name: "shard", value: "I/N", help: "Run only the I-th of N deterministic slices of the batch (for job arrays)."),
    ],
    discussion: """
      Running the same command again resumes: runs already in the database are skipped. A database
      holding another scenario's results is refused. Shards written to separate databases are
      combined with `taboo merge`.

      EXIT CODES:
        0    every run finished (complete or diverged)
        1    a run could not be built or the database failed
        64   the command line is wrong
        65   the scenario has errors
        130  interrupted (Ctrl-C); run the same command to resume
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let path = arguments.positionals[0]
    var options: Options
    do { options = try Options(arguments, cores: ProcessInfo.processInfo.activeProcessorCount) } catch {
      console.usageError(error)
      return .usage
    }
    guard let loaded = loadScenario(path, settings: arguments.values("set"), console) else {
      return .badScenario
    }
    if loaded.usage { return .usage }
    let (scenario, text) = (loaded.scenario!, loaded.text)
    options.overrides = loaded.overrides
    let batch = BatchPlan(
      scenario: scenario, seeds: options.seeds, overrides: options.overrides, shard: options.shard)
    let jobs = batch.jobs

    let dbPath = options.db ?? "runs/\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent).sqlite"
    let store: Store
    let done: Set<RunKey>
    do {
      store = try Store.open(path: dbPath, scenarioName: scenario.name, scenarioText: text,
                             version: version, waiting: {
        console.error((console.errorIsTerminal ? "\r\u{1B}[K" : "")
          + "taboo: database locked by another process; waiting… (\(dbPath))")
      })
      done = try store.completedRuns()
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

    let interrupt = Interrupt.install(console)
    let progress = Progress(total: pending.count, console: console)
    let runner = BatchRunner(threads: threads)
    var written = 0, diverged = 0, failures: [String] = []
    var runSeconds = 0.0, probeSeconds = 0.0, storeSeconds = 0.0
    var storeError: String? = nil
    runner.run(pending, cancelled: { interrupt.requested }, deliver: { outcome in
      switch outcome {
      case .finished(let record, let probing):
        do {
          let writeStart = Date()
          _ = try store.write(record)
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
          interrupt.request()
        }
      case .failed(let key, let message):
        failures.append("seed \(key.seed)\(label(key)): \(message)")
        progress.note("error: seed \(key.seed)\(label(key)): \(message)")
      }
      progress.finished += 1
    }, tick: { progress.draw(runner.workers) })
    progress.clear()

    if let storeError {
      console.error("error: \(storeError)")
      return .failure
    }
    let complete = skipped + written
    if interrupt.requested {
      console.error("interrupted: \(complete) of \(jobs.count) runs are in \(dbPath); "
        + "run the same command to resume.")
      return .interrupted
    }
    console.error("taboo: \(written) run\(written == 1 ? "" : "s") written"
      + (diverged > 0 ? " (\(diverged) diverged)" : "") + " in \(progress.elapsedText)"
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

  private func label(_ key: RunKey) -> String {
    key.parameters.isEmpty ? "" : " (\(key.pointLabel))"
  }

  /// The checked scenario (with the `--set` values applied) and its exact text, or nil after
  /// printing why not; `usage` when a `--set` is wrong (exit 64, as in `explain`).
  private func loadScenario(_ path: String, settings: [String], _ console: Console)
    -> (scenario: Scenario?, text: String, overrides: [String: Double], usage: Bool)?
  {
    let source: SourceFile
    switch ScenarioInput.read(path) {
    case .failure(let problem):
      console.error("error: \(problem.sentence)")
      return nil
    case .success(let file): source = file
    }
    let renderer = DiagnosticRenderer(colors: console.errorColors)
    func refuse(_ result: CheckResult) -> Bool {
      if !result.diagnostics.isEmpty { console.error(renderer.render(result.diagnostics, in: source)) }
      guard result.scenario == nil else { return false }
      console.error("error: '\(path)' has \(CheckCommand.summary(errors: result.errors.count, warnings: result.warnings.count)); nothing was run")
      return true
    }
    var result = ScenarioChecker.check(source)
    guard let plain = result.scenario else {
      _ = refuse(result)
      return nil
    }
    let overrides: [String: Double]
    do {
      overrides = try ParameterSettings.parse(settings, parameters: plain.parameters.map(\.name))
    } catch {
      console.usageError(UsageError(error.message, help: error.help))
      return (nil, source.text, [:], true)
    }
    if !overrides.isEmpty { result = ScenarioChecker.check(source, overrides: overrides) }
    if refuse(result) { return nil }
    return (result.scenario, source.text, overrides, false)
  }

  /// The parsed options of `taboo run`.
  struct Options {
    var jobs: Int
    var seeds: [UInt64]?
    var overrides: [String: Double] = [:]
    var db: String?
    var shard: (Int, Int)?

    init(_ arguments: ParsedArguments, cores: Int) throws(UsageError) {
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
      if let text = arguments.value("shard") {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 1, i <= n else {
          throw UsageError("--shard wants I/N with 1 ≤ I ≤ N, e.g. --shard 2/8, not '\(text)'")
        }
        shard = (i, n)
      }
    }

    static func seeds(_ text: String) throws(UsageError) -> [UInt64] {
      let bounds = text.components(separatedBy: "..")
      let numbers = bounds.map { UInt64($0) }
      if numbers.count == 1, let seed = numbers[0] { return [seed] }
      guard numbers.count == 2, let a = numbers[0], let b = numbers[1], a <= b, b - a < 1_000_000 else {
        throw UsageError("--seeds wants A..B with A ≤ B (or one seed), e.g. --seeds 1..10, not '\(text)'")
      }
      return Array(a...b)
    }
  }
}

/// Ctrl-C: the first asks the batch to stop after the runs in flight; the second quits at once.
/// `@unchecked`: the signal source is set once, in `install`, before the value is shared.
final class Interrupt: @unchecked Sendable {
  private let flag = Atomic<Bool>(false)
  private var source: DispatchSourceSignal?

  var requested: Bool { flag.load(ordering: .relaxed) }
  func request() { flag.store(true, ordering: .relaxed) }

  static func install(_ console: Console) -> Interrupt {
    let interrupt = Interrupt()
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
      if interrupt.requested { _exit(130) }
      interrupt.request()
      console.error("\ninterrupt: stopping; runs in flight are abandoned, finished runs are kept "
        + "(Ctrl-C again to quit at once)")
    }
    source.resume()
    interrupt.source = source
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
