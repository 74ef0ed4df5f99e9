// The `taboo` command: dispatch on the subcommand. To add a command, write a type conforming
// to `Command` in its own file and add one line to `commands`.

import Foundation
import LinearAlgebra
import ScenarioLanguage
import Simulation

// Before any AVX2 code of LinearAlgebra/Networks runs: refuse a CPU without AVX2/FMA.
CPUGuard.check()
// OpenBLAS's own CPU detection falls back to SSE3 kernels on newer CPUs; pick the right ones
// before any thread starts (this may re-execute the program once).
BLAS.useBestKernels()

let version = "taboo 0.1.0"

let commands: [any Command] = [
  CheckCommand(),
  ExplainCommand(setSizer: { scenario, seed in
    // The real sizes for this seed: the world drawn and every set evaluated, as `taboo run` does.
    let plan = try RunPlan(scenario, seed: seed)
    return [("all", plan.world.items.count), ("wrong", plan.world.wrong.count)]
      + plan.world.conventionNames.map { ("wrong " + $0, plan.world.wrong(under: $0).count) }
      + plan.sets.map { ($0.name, $0.items.count) }
  }),
  RunCommand(),
  MergeCommand(),
  StatusCommand(),
  SlurmCommand(),
  AnalyzeCommand(),
  ExportCommand(),
  CompareCommand(),
  PlotCommand(),
  ReportCommand(generator: version),
]

func mainUsage() -> String {
  let width = commands.map(\.spec.name.count).max() ?? 0
  var lines = [
    "taboo: serial reversal learning in recurrent networks.",
    "",
    "USAGE: taboo <command> [arguments] [options]",
    "",
    "COMMANDS:",
  ]
  for command in commands {
    let name = command.spec.name
    lines.append("  \(name)\(String(repeating: " ", count: width - name.count))  \(command.spec.summary)")
  }
  lines.append(contentsOf: [
    "",
    "See 'taboo <command> --help' for a command's arguments and options; '--verbose' anywhere adds",
    "SQLite's own words to database errors.",
    "Exit codes: 0 ok, 1 failure, 64 bad usage, 65 bad scenario, 130 interrupted, 143 terminated (run again to resume).",
  ])
  return lines.joined(separator: "\n")
}

func runMain(_ arguments: [String], _ console: Console) -> ExitCode {
  guard let name = arguments.first else {
    console.error(mainUsage())
    return .usage
  }
  switch name {
  case "-h", "--help":
    console.out(mainUsage())
    return .success
  case "help":
    guard arguments.count > 1 else {
      console.out(mainUsage())
      return .success
    }
    guard let command = commands.first(where: { $0.spec.name == arguments[1] }) else {
      console.usageError(unknownCommand(arguments[1]))
      return .usage
    }
    console.out(command.spec.help)
    return .success
  case "--version":
    console.out(version)
    return .success
  default:
    break
  }
  guard let command = commands.first(where: { $0.spec.name == name }) else {
    console.usageError(unknownCommand(name))
    return .usage
  }
  let parsed: ParsedArguments
  do throws(UsageError) {
    parsed = try command.spec.parse(Array(arguments.dropFirst()))
  } catch {
    console.usageError(error)
    return .usage
  }
  if parsed.wantsHelp {
    console.out(command.spec.help)
    return .success
  }
  return command.run(parsed, console)
}

func unknownCommand(_ name: String) -> UsageError {
  let names = commands.map(\.spec.name)
  let what = name.hasPrefix("-") ? "unknown option '\(name)'" : "unknown command '\(name)'"
  return UsageError(
    what,
    help: Suggestions.didYouMean(name, among: names + ["help"])
      ?? "the commands are \(names.joined(separator: ", ")); see 'taboo --help'")
}

// `--verbose`, anywhere on the command line: failures of the database also show SQLite's own
// message and the statement that failed (kept out of the one-line errors otherwise).
var mainArguments = Array(CommandLine.arguments.dropFirst())
if let index = mainArguments.firstIndex(of: "--verbose") {
  mainArguments.remove(at: index)
  setenv("TABOO_VERBOSE", "1", 1)
}
exit(runMain(mainArguments, .standard).rawValue)
