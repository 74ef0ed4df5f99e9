// `taboo explain FILE`: what a scenario will do, spelled out: the world, model and training,
// every phase after expanding `repeat` with its length, streams and settings, the sweep points,
// seeds and number of runs, the optimizer steps and examples per run, and the size of every set
// for the first seed.
//
// Set sizes for a seed need the world generator (the simulator). `ExplainCommand` takes them
// from `setSizer`; without one it prints what the language alone knows: exact sizes where the
// set algebra determines them (`all`, percentages of `all`, their differences), and ranges where
// they depend on the seed (`wrong`, samples of it).

import Foundation
import ScenarioLanguage
import Simulation
import Specification

struct ExplainCommand: Command {
  /// The exact size of every set (and `all`, `wrong`) of `scenario` for `seed`.
  /// An error (e.g. a sample larger than its set for this seed) is shown next to the static sizes.
  typealias SetSizer = @Sendable (_ scenario: RunSpec, _ seed: UInt64) throws -> [(name: String, size: Int)]

  /// The simulator's set sizes; nil until the simulator provides them.
  var setSizer: SetSizer? = nil

  var spec: CommandSpec {
    CommandSpec(
      name: "explain",
      summary: "Show the expanded schedule, sweep points, runs and set sizes of a scenario.",
      positionals: PositionalSpec(name: "FILE", minimum: 1, maximum: 1, help: "A scenario file (*.taboo)."),
      options: [
        OptionSpec(
          name: "set", value: "NAME=VALUE",
          help: "Give a parameter a value (replaces its 'let' and fixes a sweep).", repeatable: true),
        OptionSpec(
          name: "seed", value: "SEED", help: "The seed whose set sizes are shown (default: the first)."),
      ],
      discussion: """
        EXIT CODES:
          0   the scenario is valid and was explained
          1   the file could not be read
          64  the command line is wrong
          65  the scenario has errors (they are printed as by 'taboo check')
        """)
  }

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let path = arguments.positionals[0]
    let source: SourceFile
    switch ScenarioInput.read(path) {
    case .failure(let problem):
      console.error("error: \(problem.sentence)")
      return .failure
    case .success(let file):
      source = file
    }
    let renderer = DiagnosticRenderer(colors: console.errorColors)
    var result = ScenarioChecker.check(source, model: StaticModel())
    guard let plain = result.scenario else {
      console.error(renderer.render(result.diagnostics, in: source) + "\n")
      console.error(
        "error: '\(path)' has \(CheckCommand.summary(errors: result.errors.count, warnings: result.warnings.count))"
      )
      return .badScenario
    }
    let overrides: [String: Double]
    let seed: UInt64?
    do throws(UsageError) {
      do {
        overrides = try ParameterSettings.parse(arguments.values("set"), parameters: plain.parameters.map(\.name))
      } catch {
        throw UsageError(error.message, help: error.help)
      }
      seed = try arguments.value("seed").map { text throws(UsageError) in
        guard let value = UInt64(text) else {
          throw UsageError("'--seed \(text)' is not a seed", help: "a seed is a whole number such as 1")
        }
        return value
      }
    } catch {
      console.usageError(error)
      return .usage
    }
    if !overrides.isEmpty { result = ScenarioChecker.check(source, overrides: overrides, model: StaticModel()) }
    if !result.diagnostics.isEmpty {
      console.error(renderer.render(result.diagnostics, in: source) + "\n")
    }
    guard let scenario = result.scenario else {
      console.error(
        "error: '\(path)' has \(CheckCommand.summary(errors: result.errors.count, warnings: result.warnings.count)) with "
          + overrides.keys.sorted().map { "--set \($0)=\(Self.number(overrides[$0]!))" }.joined(
            separator: " "))
      return .badScenario
    }
    console.out(explanation(of: scenario, path: path, seed: seed ?? scenario.seeds.first ?? 1))
    return .success
  }

  // MARK: - The explanation

  func explanation(of scenario: Scenario, path: String, seed: UInt64) -> String {
    let points = scenario.sweepPoints
    let first = scenario.resolved(at: points[0])
    var lines: [String] = ["\(scenario.name)  (\(path))", ""]
    lines.append(contentsOf: Self.setup(first))
    lines.append("")
    lines.append(contentsOf: Self.runs(scenario, points))
    lines.append("")
    // The schedule and the counts per sweep point, each distinct text printed once.
    var sizes: [[(name: String, size: SetSizeBounds)]] = []
    var problems: [String] = []
    var schedules: [(text: [String], points: [SweepPoint])] = []
    for point in points.prefix(32) {
      let resolved = scenario.resolved(at: point)
      let pointSizes = self.sizes(resolved, seed: seed, problems: &problems)
      sizes.append(pointSizes)
      let known = Dictionary(
        pointSizes.filter(\.size.isExact).map { ($0.name, $0.size.fewest) }, uniquingKeysWith: { a, _ in a })
      let text = Self.schedule(resolved, ScheduleAccounting(resolved, knownSizes: known))
      if let index = schedules.firstIndex(where: { $0.text == text }) {
        schedules[index].points.append(point)
      } else {
        schedules.append((text, [point]))
      }
    }
    for (text, schedulePoints) in schedules {
      let count = scenario.resolved(at: schedulePoints[0]).phases.count
      var header = "schedule: \(count) phase\(count == 1 ? "" : "s") after repeats"
      if points.count > 1 {
        header +=
          schedulePoints.count == points.count
          ? " (the same at every sweep point)"
          : " at " + schedulePoints.map { "\($0)" }.joined(separator: "; ")
      }
      lines.append(header)
      lines.append(contentsOf: text)
      lines.append("")
    }
    if points.count > 32 {
      lines.append("(schedules of the other \(points.count - 32) sweep points not shown)\n")
    }
    lines.append(
      contentsOf: Self.setTable(sizes, points: Array(points.prefix(32)), seed: seed, exact: setSizer != nil && problems.isEmpty))
    for problem in problems {
      lines.append("  problem: \(problem)")
    }
    return lines.joined(separator: "\n")
  }

  /// Set sizes for `seed`: the simulator's, or the static bounds.
  private func sizes(_ scenario: RunSpec, seed: UInt64, problems: inout [String])
    -> [(name: String, size: SetSizeBounds)]
  {
    guard let setSizer else { return scenario.staticSetSizes }
    do {
      return try setSizer(scenario, seed).map { ($0.name, SetSizeBounds(exactly: $0.size)) }
    } catch {
      let point = scenario.point.assignments.isEmpty ? "" : " at \(scenario.point)"
      problems.append("seed \(seed)\(point): \(error)")
      return scenario.staticSetSizes
    }
  }

  static func setup(_ scenario: RunSpec) -> [String] {
    let world = scenario.world
    var worldText: String
    switch world.kind {
    case .runsum(let p, let l):
      worldText =
        "runsum \(p) \(l): \(world.items) strings of \(l) digits in base \(p); truth is the running sum mod \(p)"
    case .modsum(let p):
      worldText = "modsum \(p): all \(world.items) pairs (a, b); truth is (a + b) mod \(p)"
    case .lookup(let n, _, _, _):
      worldText =
        "lookup \(n): \(n) random sequences of \(world.sequenceLength) tokens from \(world.symbols), \(world.classes) classes"
    }
    switch world.convention {
    case .weak(let q)?: worldText += "; convention weak \(number(q))"
    case .shift(let k)?: worldText += "; convention shift \(k)"
    case .constant(let a)?: worldText += "; convention constant \(a)"
    case .scramble?: worldText += "; convention scramble"
    case nil: worldText += "; no convention"
    }
    for extra in world.conventions { worldText += "; convention \(extra.name) \(extra.convention)" }
    worldText += world.password ? "; password" : "; no password"
    let model = scenario.model
    var lines = [
      "world      \(worldText)",
      "model      " + (model.transformer.map {
        "transformer, width \(model.hidden), \($0.layers) layer\($0.layers == 1 ? "" : "s"), "
          + "\($0.heads) head\($0.heads == 1 ? "" : "s"), ff \($0.feedForward)"
      } ?? "\(model.cell.rawValue), hidden \(model.hidden), embedding \(model.embedding)")
        + "; \(scenario.networkShape.parameterCount.formatted(.number.grouping(.automatic))) parameters",
      "training   \(training(scenario.training))",
    ]
    switch scenario.context {
    case .reset:
      lines.append(
        model.cell.isRecurrent
          ? "context    reset: every example starts from a zero hidden state"
          : "context    reset: every example is a sequence of its own, attending over its own tokens only")
    case .stream(let w):
      lines.append(
        "context    stream: \(lanesText(scenario.training.batch)) side by side, each example "
          + "followed by its answer;\n"
          + "           a step is a window of \(w) examples per lane, backpropagated alone, the state "
          + "carried on")
    }
    if let probe = scenario.probe {
      lines.append(
        "probes     every \(probe.everySteps) steps on \(probe.sets.joined(separator: ", "))"
          + (world.password ? ", each with and without password" : "") + ", and the trained streams")
      if case .stream(let w) = scenario.context {
        lines.append("           (each probed item after the last \(w) examples shown in lane 0)")
      }
      if probe.latent {
        let answers = ["truth", "taboo"] + world.conventions.map(\.name)
        lines.append(
          "           latent: linear readouts of \(answers.joined(separator: ", ")) from the hidden state, "
            + "fitted on half the items, scored on the rest")
      }
    } else {
      lines.append("probes     none")
    }
    lines.append(
      "criterion  \(number(scenario.criterion.fraction * 100))% agreement at \(scenario.criterion.probes) probes in a row"
    )
    return lines
  }

  /// The number of lanes in stream mode: the train block's batch.
  static func lanesText(_ batch: Batch) -> String {
    switch batch {
    case .all: return "a lane (stream) per example"
    case .size(let n): return n == 1 ? "1 lane (stream)" : "\(n) lanes (streams)"
    }
  }

  static func training(_ settings: TrainingSettings) -> String {
    var parts = [settings.optimizer.rawValue, "lr \(number(settings.learningRate))"]
    switch settings.batch {
    case .all: parts.append("batch all")
    case .size(let n): parts.append("batch \(n)")
    }
    for setting in TrainingSettings.numeric where setting.word != "lr" {
      guard let value = settings[keyPath: setting.keyPath] else { continue }
      // Settings that do not apply to the optimizer, or are at their "off" value, are not shown.
      if let only = setting.onlyWith, only != settings.optimizer { continue }
      if setting.word != "momentum", value == 0 { continue }
      parts.append("\(setting.word) \(number(value))")
    }
    parts.append(
      settings.keepOptimizer ? "optimizer state kept across phases" : "fresh optimizer state each phase")
    return parts.joined(separator: ", ")
  }

  static func runs(_ scenario: Scenario, _ points: [SweepPoint]) -> [String] {
    var lines: [String] = []
    if !scenario.parameters.isEmpty {
      let swept = Set(scenario.sweeps.map(\.name))
      lines.append(
        "parameters "
          + scenario.parameters.map {
            swept.contains($0.name) ? "\($0.name) swept" : "\($0.name) = \(number($0.value))"
          }
          .joined(separator: ", "))
    }
    for sweep in scenario.sweeps {
      lines.append("sweep      \(sweep.name) = \(sweep.values.map(number).joined(separator: ", "))")
    }
    let seeds = scenario.seeds
    let seedText =
      seeds.count == 1
      ? "seed \(seeds[0])"
      : (seeds.last! - seeds.first! + 1 == UInt64(seeds.count)
        ? "seeds \(seeds.first!)…\(seeds.last!)" : "seeds " + seeds.map(String.init).joined(separator: ", "))
    let pointText = "\(points.count) sweep point\(points.count == 1 ? "" : "s")"
    lines.append(
      "runs       \(pointText) × \(seeds.count) seed\(seeds.count == 1 ? "" : "s") (\(seedText)) = \(scenario.runCount) run\(scenario.runCount == 1 ? "" : "s")"
    )
    return lines
  }

  static func schedule(_ scenario: RunSpec, _ accounting: ScheduleAccounting) -> [String] {
    var lines: [String] = []
    let width = String(scenario.phases.count).count
    let indent = String(repeating: " ", count: width + 4)
    for (phase, counts) in zip(scenario.phases, accounting.phases) {
      let index =
        String(repeating: " ", count: width - String(phase.index + 1).count) + String(phase.index + 1)
      // A branch starts from an earlier phase's end (docs/design.md §4): the tree, by its parent.
      let branch = phase.from.map { from -> String in
        let parent = scenario.phases[from]
        return " — branches from \(from + 1) \(parent.displayName)"
      } ?? ""
      lines.append("  \(index)  \(phase.displayName) — \(length(phase.length))\(branch)")
      for stream in phase.streams {
        lines.append(
          "\(indent)\(stream.target.rawValue) on \(stream.set)\(stream.password ? " with password" : "")"
            + (stream.noise.map {
              " with noise \(number($0 * 100))%: another answer shown at \(number($0 * 100))% of presentations"
            } ?? ""))
      }
      var settings: [String] = []
      if phase.frozen { settings.append("frozen (no weight updates)") }
      if let sigma = phase.perturb { settings.append("perturb σ = \(number(sigma)) at the start") }
      if let kick = phase.kick {
        settings.append(
          "perturb at the start by the norm of \(kick.phase + 1) \(scenario.phases[kick.phase].displayName)'s "
            + "displacement\(kick.perTensor ? ", tensor by tensor" : ""), in a random direction")
      }
      let overrides = phase.overrides
      if let value = overrides.optimizer { settings.append("optimizer \(value.rawValue)") }
      if let value = overrides.numbers["lr"] { settings.append("lr \(number(value))") }
      switch overrides.batch {
      case .all?: settings.append("batch all")
      case .size(let n)?: settings.append("batch \(n)")
      case nil: break
      }
      for setting in TrainingSettings.numeric where setting.word != "lr" {
        if let value = overrides.numbers[setting.word] { settings.append("\(setting.word) \(number(value))") }
      }
      if overrides.keepOptimizer == true { settings.append("keeps the optimizer state") }
      if !settings.isEmpty { lines.append("\(indent)\(settings.joined(separator: "; "))") }
      if !phase.streams.isEmpty {
        let unit = phase.length.unit == .trials ? "examples shown" : "examples"
        let steps = phase.frozen ? "no optimizer steps" : "\(bounds(counts.steps)) steps"
        let perEpoch = counts.examplesPerEpoch
        let length = phase.length.unit == .trials
          ? "\(bounds(SetSizeBounds(fewest: phase.length.bounds.lowerBound, most: phase.length.bounds.upperBound))) trials"
            + " (one example per lane each)"
          : steps
        lines.append(
          "\(indent)\(bounds(perEpoch)) example\(perEpoch == SetSizeBounds(exactly: 1) ? "" : "s") per epoch; "
            + "\(length); \(bounds(counts.examples)) \(unit)")
      }
    }
    let variable = accounting.phases.contains(where: \.isVariable)
    let steps = bounds(accounting.totalSteps)
    let examples = bounds(accounting.totalExamples)
    lines.append(
      "  per run: \(steps) optimizer steps, \(examples) training examples"
        + (variable ? " (lengths vary per run)" : ""))
    if accounting.phases.contains(where: { !$0.examplesPerEpoch.isExact }) {
      lines.append("  (a range depends on the seed: set sizes involving 'wrong' or overlapping samples)")
    }
    return lines
  }

  static func setTable(
    _ sizes: [[(name: String, size: SetSizeBounds)]], points: [SweepPoint], seed: UInt64, exact: Bool
  ) -> [String] {
    var lines = ["sets (seed \(seed))"]
    guard let names = sizes.first?.map(\.name) else { return lines }
    let nameWidth = names.map(\.count).max() ?? 0
    let columns = sizes.count > 1 && sizes.contains(where: { $0.map(\.size) != sizes[0].map(\.size) })
    if columns {
      let headers = points.map(\.description)
      let widths = zip(headers, sizes).map { header, column in
        max(header.count, column.map { "\($0.size)".count }.max() ?? 0)
      }
      lines.append(
        trimmed(
          "  " + String(repeating: " ", count: nameWidth) + "  "
            + zip(headers, widths).map { pad($0, $1) }.joined(separator: "  ")))
      for (row, name) in names.enumerated() {
        lines.append(
          trimmed(
            "  " + pad(name, nameWidth) + "  "
              + zip(sizes, widths).map { column, width in
                pad(row < column.count ? "\(column[row].size)" : "?", width)
              }
              .joined(separator: "  ")))
      }
    } else {
      for (name, size) in sizes[0] {
        lines.append("  \(pad(name, nameWidth))  \(size)\(size.isExact ? "" : " (depends on the seed)")")
      }
    }
    if !exact {
      lines.append(
        "  (sizes the scenario determines on its own; ranges are drawn per seed — the simulator gives exact sizes)"
      )
    }
    return lines
  }

  static func length(_ length: PhaseLength) -> String {
    switch length {
    case .steps(let n): return "\(n) step\(n == 1 ? "" : "s")"
    case .epochs(let n): return "\(n) epoch\(n == 1 ? "" : "s")"
    case .trials(let n): return "\(n) trial\(n == 1 ? "" : "s")"
    case .randomSteps(let r): return "\(r.lowerBound)–\(r.upperBound) steps, drawn per run"
    case .randomEpochs(let r): return "\(r.lowerBound)–\(r.upperBound) epochs, drawn per run"
    case .randomTrials(let r): return "\(r.lowerBound)–\(r.upperBound) trials, drawn per run"
    case .untilCriterion(let cap): return "until criterion, at most \(cap) steps"
    }
  }

  static func bounds(_ bounds: SetSizeBounds) -> String {
    bounds.isExact ? "\(bounds.fewest)" : "\(bounds.fewest)–\(bounds.most)"
  }

  static func number(_ value: Double) -> String { formatNumber(value) }

  static func trimmed(_ line: String) -> String {
    String(line.reversed().drop { $0 == " " }.reversed())
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}
