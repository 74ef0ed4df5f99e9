// The value checks, run at every sweep point (up to `Limits.checkedSweepPoints`): each number
// against its rule, then what needs several numbers at once: item counts, set sizes and
// samples and the size of the expanded schedule. What a run needs of the machine (its memory) is
// the simulator's to say: `RunModel`, asked by `ScenarioChecker`.

import Specification

import Foundation

extension Validator {
  mutating func checkValues() {
    let pointCount = sweeps.reduce(1.0) { $0 * Double($1.values.count) }
    if pointCount * Double(seeds.count) > Double(Limits.runs) {
      let range =
        syntax.sweeps.first?.range ?? syntax.seeds?.range
        ?? SourceRange(at: SourceLocation(line: 1, column: 1))
      diagnostics.add(
        .tooManyRuns,
        "\(formatNumber(pointCount)) sweep points × \(seeds.count) seeds is more runs than the limit of \(Limits.runs)",
        at: range, help: "sweep fewer values or use fewer seeds")
    }
    var seen = Set<String>()
    for point in checkedPoints() {
      var values = parameterValues
      for assignment in point { values[assignment.name] = assignment.value }
      var failed = false
      for (quantity, rule) in checks where !check(quantity, rule, values, &seen) {
        failed = true
      }
      if !failed { checkCombinations(values, &seen) }
    }
  }

  /// The sweep points, in order, at most `Limits.checkedSweepPoints` of them.
  private func checkedPoints() -> [[SweepPoint.Assignment]] {
    var points: [[SweepPoint.Assignment]] = [[]]
    for sweep in sweeps {
      var next: [[SweepPoint.Assignment]] = []
      outer: for point in points {
        for value in sweep.values {
          next.append(point + [SweepPoint.Assignment(name: sweep.name, value: value)])
          if next.count >= Limits.checkedSweepPoints { break outer }
        }
      }
      points = next
    }
    return points
  }

  /// Reports a diagnostic once, however many sweep points give it.
  private mutating func report(_ diagnostic: Diagnostic, _ seen: inout Set<String>) {
    let key = "\(diagnostic.code.rawValue) \(diagnostic.range) \(diagnostic.message)"
    guard seen.insert(key).inserted else { return }
    diagnostics.add(diagnostic)
  }

  /// Checks one number at one sweep point; false if it broke its rule.
  private mutating func check(
    _ quantity: QuantitySyntax, _ rule: NumberRule, _ values: [String: Double], _ seen: inout Set<String>
  ) -> Bool {
    let raw: Double
    var shown: String
    var notes: [String] = []
    let percent = quantity.isPercent ? "%" : ""
    switch quantity.value {
    case .invalid:
      return true
    case .literal(let value):
      raw = value
      shown = formatNumber(value) + percent
    case .parameter(let name):
      guard let value = values[name], !invalidParameters.contains(name) else { return true }
      raw = value
      shown = "\(name)\(percent) = \(formatNumber(value))\(percent)"
      notes.append("\(name) = \(formatNumber(value)) \(parameterOrigins[name] ?? "")")
    }
    let value = quantity.isPercent ? raw / 100 : raw
    guard let (code, message) = rule.problem(value) else { return true }
    var help: String? = nil
    if code == .notWholeNumber, rule.what == "the sample size" {
      help = "for a fraction, write a percentage: 'sample \(formatNumber((value * 100).rounded()))% of …'"
    }
    if code == .tooLarge, rule.what.contains("steps") || rule.what.contains("epochs") {
      notes.append("the limit keeps a run to a sane length")
    }
    report(
      Diagnostic(code, "\(message), found \(shown)", at: quantity.range, notes: notes, help: help), &seen)
    return false
  }

  // MARK: - Checks that combine several numbers

  private mutating func checkCombinations(_ values: [String: Double], _ seen: inout Set<String>) {
    checkModel(values, &seen)
    guard let worldSpec = world, let worldSyntax = syntax.world else { return }
    let resolvedWorld = worldSpec.resolved(values)
    if !checkWorld(resolvedWorld, worldSyntax, values, &seen) { return }
    // Without a convention `wrong` was already reported; treat its size as unknown from here on.
    var analysedWorld = resolvedWorld
    if analysedWorld.convention == nil { analysedWorld.convention = .weak(truthProbability: 0.5) }
    var analysis = SetSizeAnalysis(world: analysedWorld)
    for name in setOrder {
      guard let entry = setSyntax[name], let expression = entry.expression, let spec = setSpecs[name] else {
        continue
      }
      checkSetExpression(expression, analysis, resolvedWorld.items, values, &seen)
      let value = analysis.value(of: spec.resolved(values))
      if value.size.most == 0 {
        report(
          Diagnostic(
            .emptySet, "the set '\(name)' is always empty", at: expression.range,
            notes: values.isEmpty || sweeps.isEmpty ? [] : pointNote(values),
            help: "a set must hold at least one item"), &seen)
      }
      analysis.define(name, value)
    }
    checkSchedule(values, &seen)
  }

  /// A transformer's heads split its width D into equal parts.
  private mutating func checkModel(_ values: [String: Double], _ seen: inout Set<String>) {
    guard let model, model.cell == .transformer, let entry = syntax.model else { return }
    let width = Int(model.hidden.value(values))
    let heads = model.heads.map { Int($0.value(values)) } ?? TransformerSizes(width: width).heads
    guard width % heads != 0 else { return }
    let divisors = (1...min(width, 64)).filter { width % $0 == 0 }.map(String.init)
    report(
      Diagnostic(
        .headsDoNotDivideWidth,
        "a transformer of width \(width) cannot be split into \(heads) heads",
        at: entry.heads?.range ?? entry.hidden?.range ?? entry.range,
        notes: (entry.heads == nil ? ["the default is \(heads) heads"] : []) + pointNote(values),
        help: "the number of heads must divide the width: \(divisors.joined(separator: ", ")) heads divide \(width)"),
      &seen)
  }

  private func pointNote(_ values: [String: Double]) -> [String] {
    let point = sweeps.map { "\($0.name)=\(formatNumber(values[$0.name] ?? 0))" }.joined(separator: ", ")
    return point.isEmpty ? [] : ["at the sweep point \(point)"]
  }

  /// Item counts and convention arguments that depend on the world's size.
  private mutating func checkWorld(
    _ world: WorldSpec, _ entry: WorldSyntax, _ values: [String: Double],
    _ seen: inout Set<String>
  ) -> Bool {
    var ok = true
    if case .runsum(let base, let length) = world.kind {
      let distinct = pow(Double(base), Double(length))
      if let items = entry.items, let asked = plainNumber(items, values), asked > distinct {
        report(
          Diagnostic(
            .tooManyItems,
            "runsum \(base) \(length) has only \(formatNumber(distinct)) distinct strings, but 'items' asks for \(formatNumber(asked))",
            at: items.range, notes: pointNote(values), help: "lower 'items' or lengthen the strings"), &seen)
        ok = false
      }
    }
    if case .lookup(let n, let length, let vocab, _) = world.kind {
      let distinct = pow(Double(vocab), Double(length))
      if Double(n) > distinct {
        report(
          Diagnostic(
            .tooManyItems,
            "lookup \(n) asks for \(n) distinct sequences, but \(length) tokens from a vocabulary of \(vocab) give only \(formatNumber(distinct))",
            at: entry.arguments.first?.range ?? entry.range, notes: pointNote(values),
            help: "lower the number of items, or raise 'length' or 'vocab'"), &seen)
        ok = false
      }
    }
    if Double(world.items) > Double(Limits.items) {
      report(
        Diagnostic(
          .tooLarge, "the world has \(world.items) items, more than the limit of \(Limits.items)",
          at: entry.range,
          notes: pointNote(values)), &seen)
      ok = false
    }
    if let convention = entry.convention {
      switch world.convention {
      case .constant(let a)? where a >= world.classes:
        report(
          Diagnostic(
            .tooLarge,
            "the constant answer must be below the number of classes (\(world.classes)), found \(a)",
            at: convention.range, notes: pointNote(values)), &seen)
        ok = false
      case .shift(let k)? where k % world.classes == 0:
        report(
          Diagnostic(
            .conventionEqualsTruth,
            "'shift \(k)' with \(world.classes) classes gives the truth itself as the taboo answer",
            at: convention.range, notes: pointNote(values),
            help: "use a shift that is not a multiple of \(world.classes)"),
          &seen)
        ok = false
      default: break
      }
    }
    return ok
  }

  /// Item indices inside the world, samples no larger than what they draw from.
  private mutating func checkSetExpression(
    _ expression: SetExpressionSyntax, _ analysis: SetSizeAnalysis, _ items: Int, _ values: [String: Double],
    _ seen: inout Set<String>
  ) {
    switch expression.kind {
    case .all, .wrong, .wrongUnder, .named: break
    case .sample(let count, let operand):
      checkSetExpression(operand, analysis, items, values, &seen)
      guard let resolvedOperand = plainExpression(operand, values) else { return }
      let bounds = analysis.value(of: resolvedOperand).size
      if bounds.most == 0 {
        report(
          Diagnostic(
            .emptySet, "this sample draws from a set that is always empty", at: operand.range,
            notes: pointNote(values)), &seen)
      } else if !count.isPercent, let n = plainNumber(count, values), n > Double(bounds.most) {
        let size = bounds.isExact ? "\(bounds.most) items" : "at most \(bounds.most) items"
        report(
          Diagnostic(
            .sampleLargerThanSet, "cannot sample \(formatNumber(n)) items from a set of \(size)",
            at: count.range.through(operand.range), notes: pointNote(values),
            help: "sample at most \(bounds.most), or a percentage"), &seen)
      }
    case .items(let entries):
      var covered: [ClosedRange<Int>] = []
      for entry in entries {
        guard let first = plainNumber(entry.first, values) else { continue }
        let last = entry.last.flatMap { plainNumber($0, values) } ?? first
        if last < first {
          report(
            Diagnostic(
              .emptyRange, "the item range \(formatNumber(first))..\(formatNumber(last)) is empty",
              at: entry.range,
              help: "write the smaller index first"), &seen)
          continue
        }
        if last >= Double(items) {
          report(
            Diagnostic(
              .itemOutOfRange,
              "item \(formatNumber(last)) is beyond the world's \(items) items (0..\(items - 1))",
              at: entry.last?.range ?? entry.first.range, notes: pointNote(values),
              help: "item indices start at 0"), &seen)
          continue
        }
        let range = wholeNumber(first)...wholeNumber(last)
        if covered.contains(where: { $0.overlaps(range) }) {
          report(
            Diagnostic(
              .duplicateItem,
              "items \(entry.last == nil ? "\(range.lowerBound) is" : "in \(range) are") listed twice",
              at: entry.range, help: "list each item once"), &seen)
        }
        covered.append(range)
      }
    case .chain(let first, let operations):
      checkSetExpression(first, analysis, items, values, &seen)
      for operation in operations {
        checkSetExpression(operation.operand, analysis, items, values, &seen)
      }
    }
  }

  /// A number's value at a sweep point (a percentage as a fraction); nil if invalid.
  func plainNumber(_ quantity: QuantitySyntax, _ values: [String: Double]) -> Double? {
    let raw: Double
    switch quantity.value {
    case .invalid: return nil
    case .literal(let value): raw = value
    case .parameter(let name):
      guard let value = values[name], !invalidParameters.contains(name) else { return nil }
      raw = value
    }
    return quantity.isPercent ? raw / 100 : raw
  }

  /// A set expression with the values of one sweep point, without diagnostics; nil if broken.
  func plainExpression(_ expression: SetExpressionSyntax, _ values: [String: Double])
    -> Specification.SetExpression?
  {
    switch expression.kind {
    case .all: return .all
    case .wrong: return .wrong
    case .wrongUnder(let name): return conventionNames.contains(name.text) ? .wrongUnder(name.text) : nil
    case .named(let name): return setSpecs[name] != nil ? .named(name) : nil
    case .sample(let count, let operand):
      guard let n = plainNumber(count, values), let inner = plainExpression(operand, values) else {
        return nil
      }
      return count.isPercent ? .sampleFraction(n, of: inner) : .sample(count: wholeNumber(n), of: inner)
    case .items(let entries):
      var ranges: [ClosedRange<Int>] = []
      for entry in entries {
        guard let first = plainNumber(entry.first, values) else { return nil }
        let last = entry.last.flatMap { plainNumber($0, values) } ?? first
        ranges.append(wholeNumber(first)...max(wholeNumber(first), wholeNumber(last)))
      }
      return .items(ranges)
    case .chain(let first, let operations):
      guard var result = plainExpression(first, values) else { return nil }
      for operation in operations {
        guard let operand = plainExpression(operation.operand, values) else { return nil }
        switch operation.op {
        case .union: result = .union(result, operand)
        case .difference: result = .difference(result, operand)
        case .intersection: result = .intersection(result, operand)
        }
      }
      return result
    }
  }

  // MARK: - Schedule and memory

  private mutating func checkSchedule(_ values: [String: Double], _ seen: inout Set<String>) {
    var expanded = 0.0
    for item in syntax.schedule {
      switch item {
      case .phase: expanded += 1
      case .repeated(let entry):
        let count = entry.count.flatMap { plainNumber($0, values) } ?? 1
        expanded += count * Double(entry.phases.count)
        if expanded > Double(Limits.expandedPhases) {
          report(
            Diagnostic(
              .tooManyRuns,
              "the schedule expands to \(formatNumber(expanded)) phases or more, above the limit of \(Limits.expandedPhases)",
              at: entry.range, notes: pointNote(values), help: "repeat fewer times"), &seen)
          return
        }
      }
    }
    for entry in syntax.phases {
      guard let length = entry.length else { continue }
      if case .random(let a, let b, let unit) = length.kind, let first = plainNumber(a, values),
        let last = plainNumber(b, values), last < first
      {
        report(
          Diagnostic(
            .emptyRange,
            "the length \(formatNumber(first))..\(formatNumber(last)) \(unit.rawValue) is empty",
            at: length.range, notes: pointNote(values), help: "write the shorter length first"), &seen)
      }
    }
    guard let probe = syntax.probe, let every = plainNumber(probe.every, values) else { return }
    let probes = syntax.criterion.flatMap { plainNumber($0.probes, values) } ?? 3
    var longest = 0.0
    var allKnown = true
    for entry in syntax.phases {
      guard let length = entry.length else { continue }
      switch length.kind {
      case .fixed(let n, .steps):
        longest = max(longest, plainNumber(n, values) ?? 0)
      case .random(_, let b, .steps):
        longest = max(longest, plainNumber(b, values) ?? 0)
      case .untilCriterion(let cap):
        let cap = plainNumber(cap, values) ?? 0
        longest = max(longest, cap)
        if cap < every * probes {
          report(
            Diagnostic(
              .criterionUnreachable,
              "the criterion needs \(formatNumber(probes)) probes every \(formatNumber(every)) steps, "
                + "but this phase stops after \(formatNumber(cap)) steps",
              at: length.range, notes: pointNote(values),
              help: "raise the cap to at least \(formatNumber(every * probes)) steps or probe more often"),
            &seen)
        }
      default:
        allKnown = false
      }
    }
    if allKnown, longest > 0, every > longest {
      report(
        Diagnostic(
          .probeNeverReached,
          "probes every \(formatNumber(every)) steps, but no phase is longer than \(formatNumber(longest)) steps",
          at: probe.every.range, notes: pointNote(values),
          help: "probe more often, or rely on the probes at phase boundaries"), &seen)
    }
  }
}
