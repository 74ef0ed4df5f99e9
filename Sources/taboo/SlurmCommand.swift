// `taboo slurm FILE --tasks N --out DIR`: the scripts that run a batch as a SLURM job array of N
// shards (`taboo run … --shard auto/N`) and merge them when every task has succeeded
// (`--dependency=afterok`). Nothing is submitted: `DIR/submit.sh` does that.

import Foundation
import ScenarioLanguage
import Simulation
import Specification

struct SlurmCommand: Command {
  let spec = CommandSpec(
    name: "slurm",
    summary: "Write the SLURM scripts that run a batch as a job array of shards and merge them.",
    positionals: PositionalSpec(name: "FILE", minimum: 1, maximum: 1, help: "The scenario file."),
    options: [
      OptionSpec(name: "tasks", value: "N", help: "Array tasks, one shard each.", required: true),
      OptionSpec(name: "out", value: "DIR", help: "Where the scripts, the shards (DIR/shards), the logs and DIR/merged.sqlite go.", required: true),
      OptionSpec(name: "seeds", value: "A..B", help: "Seeds to run instead of the scenario's `seeds`."),
      OptionSpec(name: "set", value: "NAME=VALUE", help: "Fix a parameter to one value.", repeatable: true),
      OptionSpec(name: "jobs", value: "J", help: "Runs in parallel per task, and CPUs per task (default 1)."),
      OptionSpec(name: "partition", value: "P", help: "The SLURM partition (default: the cluster's)."),
      OptionSpec(name: "time", value: "T", help: "Time limit per task, as sbatch --time takes it (e.g. 2:00:00)."),
      OptionSpec(name: "mem", value: "M", help: "Memory per task, as sbatch --mem takes it (default: the run's own estimate × J + 200 MB)."),
      OptionSpec(name: "dry-run", value: nil, help: "Print the scripts instead of writing them."),
    ],
    discussion: """
      Writes DIR/array.sbatch (task i runs shard i of N into DIR/shards/shard-i.sqlite; SIGTERM
      60 s before the time limit lets the runs in flight be stored), DIR/merge.sbatch (taboo merge
      of every shard into DIR/merged.sqlite; it refuses while a shard is missing or incomplete)
      and DIR/submit.sh (submits the array, then the merge after it). A failed or cancelled task
      is resubmitted with `sbatch --array=I DIR/array.sbatch` and resumes; then run the merge
      again with `sbatch DIR/merge.sbatch`. `taboo status DIR` says where each shard is.

      EXIT CODES:
        0   written (or printed)
        1   a file could not be written or the scenario not read
        64  the command line is wrong
        65  the scenario has errors
      """)

  /// What the scripts are made of.
  struct Plan {
    var taboo: String
    var scenario: String
    var name: String
    var out: String
    var tasks: Int
    var jobs: Int
    var seeds: String?
    var settings: [String]
    var partition: String?
    var time: String?
    var mem: String
    var runs: Int

    func path(_ name: String) -> String { out + "/" + name }

    var array: String {
      var lines = [
        "#!/bin/bash",
        "# taboo slurm: \(runs) runs of '\(name)' as \(tasks) array tasks, one shard each.",
        "# Resubmit a failed or cancelled task I with: sbatch --array=I \(quote(path("array.sbatch")))",
        "#SBATCH --job-name=taboo-\(jobName)",
        "#SBATCH --array=1-\(tasks)",
        "#SBATCH --ntasks=1",
        "#SBATCH --cpus-per-task=\(jobs)",
        "#SBATCH --mem=\(mem)",
        // B: the batch shell is taboo itself (exec), not a job step: signal it.
        "#SBATCH --signal=B:TERM@60",
        "#SBATCH --output=\(path("logs"))/shard-%a.out",
      ]
      if let partition { lines.append("#SBATCH --partition=\(partition)") }
      if let time { lines.append("#SBATCH --time=\(time)") }
      lines.append(
        "exec " + ([taboo, "run", scenario, "--shard", "auto/\(tasks)", "--jobs", "\(jobs)"].map(quote)
          + ["--db", "\"\(path("shards"))/shard-$SLURM_ARRAY_TASK_ID.sqlite\""]
          + extra.map(quote)).joined(separator: " "))
      return lines.joined(separator: "\n") + "\n"
    }

    var extra: [String] { (seeds.map { ["--seeds", $0] } ?? []) + settings.flatMap { ["--set", $0] } }

    var merge: String {
      var lines = [
        "#!/bin/bash",
        "# taboo slurm: merges the \(tasks) shards of '\(name)'; refuses while one is missing or incomplete.",
        "#SBATCH --job-name=taboo-\(jobName)-merge",
        "#SBATCH --ntasks=1",
        "#SBATCH --output=\(path("logs"))/merge.out",
      ]
      if let partition { lines.append("#SBATCH --partition=\(partition)") }
      let shards = (1...tasks).map { path("shards/shard-\($0).sqlite") }
      lines.append(quote(taboo) + " status " + quote(out))
      lines.append("exec " + ([taboo, "merge"] + shards + ["--into", path("merged.sqlite")]).map(quote)
        .joined(separator: " "))
      return lines.joined(separator: "\n") + "\n"
    }

    var submit: String {
      var lines = [
        "#!/bin/sh",
        "# taboo slurm: submits the array of \(tasks) tasks, then the merge after it; prints both job ids.",
        "set -e",
        "array=$(sbatch --parsable \(quote(path("array.sbatch"))))",
        "array=${array%%;*}",
        "merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes \(quote(path("merge.sbatch"))))",
        "merge=${merge%%;*}",
        "echo \"array job $array (\(tasks) tasks), merge job $merge\"",
      ]
      lines.append("echo \"watch: squeue -j $array,$merge; taboo status \(out)\"")
      return lines.joined(separator: "\n") + "\n"
    }

    var jobName: String {
      String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.prefix(40))
    }
  }

  /// Quotes for a POSIX shell, only when needed.
  static func quote(_ word: String) -> String {
    let plain = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
    return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// Memory per task: the largest run's estimate × J, plus 200 MB for the process, in MB.
  static func memory(_ scenario: Scenario, jobs: Int) -> String {
    let largest = scenario.sweepPoints.map { MemoryEstimate(spec: scenario.resolved(at: $0)).totalBytes }.max() ?? 0
    let megabytes = (largest * Double(jobs) / 1_048_576).rounded(.up) + 200
    return "\(Int(min(megabytes, 1e12)))M"
  }

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let file = arguments.positionals[0]
    func usage(_ message: String, help: String? = nil) -> ExitCode {
      console.usageError(UsageError(message, help: help))
      return .usage
    }
    guard let tasksText = arguments.value("tasks"), let tasks = Int(tasksText), tasks >= 1, tasks <= 10_000 else {
      return usage("--tasks wants a number of array tasks from 1 to 10000", help: "e.g. --tasks 8")
    }
    var jobs = 1
    if let text = arguments.value("jobs") {
      guard let n = Int(text), n >= 1, n <= 1024 else { return usage("--jobs wants a number from 1 to 1024, not '\(text)'") }
      jobs = n
    }
    var seeds: [UInt64]? = nil
    if let text = arguments.value("seeds") {
      do { seeds = try RunCommand.Options.seeds(text) } catch { return usage(error.message, help: error.help) }
    }
    for (name, value) in [("partition", arguments.value("partition")), ("time", arguments.value("time")),
                          ("mem", arguments.value("mem"))] {
      if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
        return usage("--\(name) '\(value)' is not one sbatch value")
      }
    }
    guard let outArgument = arguments.value("out") else { return usage("taboo slurm needs --out DIR") }
    let source: SourceFile
    switch ScenarioInput.read(file) {
    case .failure(let problem):
      console.error("error: \(problem.sentence)")
      return .failure
    case .success(let s): source = s
    }
    var result = ScenarioChecker.check(source, model: StaticModel())
    guard let plain = result.scenario else {
      console.error(DiagnosticRenderer(colors: console.errorColors).render(result.diagnostics, in: source))
      console.error("error: '\(file)' has errors; nothing was written")
      return .badScenario
    }
    let settings = arguments.values("set")
    let overrides: [String: Double]
    do { overrides = try ParameterSettings.parse(settings, parameters: plain.parameters.map(\.name)) } catch {
      return usage(error.message, help: error.help)
    }
    if !overrides.isEmpty { result = ScenarioChecker.check(source, overrides: overrides, model: StaticModel()) }
    guard let scenario = result.scenario else {
      console.error(DiagnosticRenderer(colors: console.errorColors).render(result.diagnostics, in: source))
      console.error("error: '\(file)' with these --set values has errors; nothing was written")
      return .badScenario
    }
    let runs = BatchPlan(scenario: scenario, seeds: seeds, overrides: overrides, unset: plain, shard: nil).jobs.count
    let absolute = { (path: String) in
      URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        .standardizedFileURL.path
    }
    let taboo = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? absolute(CommandLine.arguments[0])
    let plan = Plan(
      taboo: taboo, scenario: absolute(file), name: scenario.name, out: absolute(outArgument), tasks: tasks,
      jobs: jobs, seeds: arguments.value("seeds"), settings: settings, partition: arguments.value("partition"),
      time: arguments.value("time"), mem: arguments.value("mem") ?? Self.memory(scenario, jobs: jobs), runs: runs)
    let files = [("array.sbatch", plan.array), ("merge.sbatch", plan.merge), ("submit.sh", plan.submit)]
    if tasks > runs {
      console.error("warning: \(tasks) tasks for \(runs) runs: \(tasks - runs) shards will be empty")
    }
    if arguments.flag("dry-run") {
      for (name, text) in files {
        console.out("# ---- \(plan.path(name))")
        console.out(text)
      }
      return .success
    }
    do {
      for dir in ["shards", "logs"] {
        try FileManager.default.createDirectory(atPath: plan.path(dir), withIntermediateDirectories: true)
      }
      for (name, text) in files {
        try Data(text.utf8).write(to: URL(fileURLWithPath: plan.path(name)))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plan.path(name))
        console.out("wrote \(plan.path(name))")
      }
    } catch {
      console.error("error: cannot write the scripts in \(plan.out): \(error.localizedDescription)")
      return .failure
    }
    console.out("'\(scenario.name)': \(runs) runs in \(tasks) tasks of \(jobs) thread\(jobs == 1 ? "" : "s"), --mem=\(plan.mem) each")
    console.out("submit: \(Self.quote(plan.path("submit.sh")))")
    console.out("then:   \(Self.quote(taboo)) status \(Self.quote(plan.out))   (merged: \(plan.path("merged.sqlite")))")
    return .success
  }
}

private func quote(_ word: String) -> String { SlurmCommand.quote(word) }
