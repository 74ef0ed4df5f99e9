// The validation pass, over whatever parsed. First the names and structure (every name defined,
// required directives present, each number in a place that accepts it), building the pieces of
// the `Scenario`; then the values, at every sweep point (`Validator+Values.swift`). The
// `Scenario` is assembled only when no error was found.

import Specification

import Foundation

struct Validator {
  var diagnostics: DiagnosticSink
  let syntax: FileSyntax
  let source: SourceFile
  /// `--set NAME=VALUE`: replaces a `let` value and fixes a swept parameter to one value.
  let overrides: [String: Double]

  // Parameters.
  var parameterValues: [String: Double] = [:]
  var parameterOrigins: [String: String] = [:]
  var parameterRanges: [String: SourceRange] = [:]
  /// Parameters whose value was a malformed number (already reported): not checked further.
  var invalidParameters: Set<String> = []
  var usedParameters: Set<String> = []
  var sweeps: [Scenario.Sweep] = []
  var sweepOrigins: [String: SourceRange] = [:]

  // Sets: the first definition of each name, in order, and how each is used.
  var setOrder: [String] = []
  var setSyntax: [String: SetSyntax] = [:]
  var setSpecs: [String: Scenario.SetExpression] = [:]
  var setUses: [String: SetUse] = [:]

  struct SetUse {
    var inOtherSets = false
    var trained = false
    var probed = false
  }

  /// Every number read, with the rule it must follow (checked per sweep point).
  var checks: [(QuantitySyntax, NumberRule)] = []

  // Pieces of the scenario (nil when missing or broken).
  var world: Scenario.World?
  var model: Scenario.Model?
  var training = Scenario.TrainingOverrides()
  var context = Scenario.Context.reset
  var probe: Scenario.Probe?
  var criterion = Scenario.Criterion.defaults
  var seeds: [UInt64] = [1]
  var schedule: [Scenario.ScheduleItem] = []
  /// The phases' syntax next to their spec, in schedule order (for value checks).
  var phasePairs: [(PhaseSyntax, Scenario.Phase)] = []

  init(syntax: FileSyntax, source: SourceFile, overrides: [String: Double], diagnostics: DiagnosticSink) {
    self.syntax = syntax
    self.source = source
    self.overrides = overrides
    self.diagnostics = diagnostics
  }

  static func validate(
    _ syntax: FileSyntax, source: SourceFile, overrides: [String: Double],
    into diagnostics: inout DiagnosticSink
  ) -> Scenario? {
    var validator = Validator(syntax: syntax, source: source, overrides: overrides, diagnostics: diagnostics)
    let scenario = validator.run()
    diagnostics = validator.diagnostics
    return scenario
  }

  private mutating func run() -> Scenario? {
    if !syntax.hasStatements {
      if diagnostics.diagnostics.isEmpty {
        let commentOnly = !source.text.allSatisfy { $0.isWhitespace }
        diagnostics.add(
          .emptyFile, commentOnly ? "the file holds only comments" : "the file is empty",
          at: SourceRange(at: SourceLocation(line: 1, column: 1)),
          help: "a scenario needs at least a 'world', a 'model' and a 'phase'")
      }
      return nil
    }
    collectParameters()
    collectSweeps()
    collectSeeds()
    buildWorld()
    collectSets()
    buildModel()
    buildTraining()
    buildContext()
    buildProbe()
    buildCriterion()
    buildSchedule()
    requireDirectives()
    checkValues()
    // Usage warnings only for files without errors: a statement dropped by an error would make
    // its sets look unused.
    if !diagnostics.hasErrors { warnAboutUnused() }
    guard !diagnostics.hasErrors, let world, let model else { return nil }
    return Scenario(
      name: syntax.scenarioName?.text ?? source.baseName, world: world,
      parameters: syntax.lets.compactMap { entry in
        parameterRanges[entry.name.text] == entry.name.range
          ? Scenario.Parameter(name: entry.name.text, value: parameterValues[entry.name.text] ?? 0) : nil
      },
      sweeps: sweeps, seeds: seeds,
      sets: setOrder.compactMap { name in
        setSpecs[name].map { Scenario.SetDefinition(name: name, expression: $0) }
      },
      model: model, training: training, context: context, probe: probe, criterion: criterion,
      schedule: schedule)
  }

  // MARK: - Numbers

  /// Converts a number, checking that its parameter exists and that a percentage is allowed;
  /// registers its rule for the value checks.
  mutating func number(_ quantity: QuantitySyntax?, _ rule: NumberRule) -> Quantity? {
    guard let quantity else { return nil }
    if quantity.isPercent && !rule.allowsPercent {
      diagnostics.add(
        .percentageNotAllowed, "\(rule.what) cannot be a percentage", at: quantity.range,
        help: rule.what.hasPrefix("sample") ? nil : "write a plain number")
      return nil
    }
    let scale = quantity.isPercent ? 0.01 : 1
    switch quantity.value {
    case .invalid:
      return nil
    case .literal(let value):
      checks.append((quantity, rule))
      return .literal(value * scale)
    case .parameter(let name):
      guard parameterValues[name] != nil else {
        var help = Suggestions.didYouMean(name, among: parameterValues.keys.sorted())
        if setSyntax[name] != nil || name == "all" || name == "wrong" {
          help = "'\(name)' is a set; \(rule.what) is a number"
        } else if help == nil {
          help = "define it with 'let \(name) = …'"
        }
        diagnostics.add(
          .unknownParameter, "unknown parameter '\(Token.abbreviate(name))'", at: quantity.range, help: help)
        return nil
      }
      usedParameters.insert(name)
      checks.append((quantity, rule))
      return .parameter(name, scale: scale)
    }
  }

  // MARK: - Parameters and seeds

  private mutating func collectParameters() {
    for entry in syntax.lets {
      let name = entry.name.text
      guard checkNewName(entry.name, kind: "parameter") else { continue }
      var value = 0.0
      switch entry.value.value {
      case .literal(let literal): value = literal
      case .invalid, .parameter: invalidParameters.insert(name)
      }
      parameterValues[name] = overrides[name] ?? value
      parameterRanges[name] = entry.name.range
      parameterOrigins[name] =
        overrides[name] != nil
        ? "set by --set \(name)=\(formatNumber(overrides[name]!))" : "from 'let' at \(entry.range.start)"
    }
  }

  /// Reports a reserved or already used name; true if the name is new.
  mutating func checkNewName(_ name: NameSyntax, kind: String) -> Bool {
    if Keywords.reserved.contains(name.text) {
      diagnostics.add(
        .reservedName, "'\(name.text)' is a built-in word and cannot name a \(kind)", at: name.range,
        help: "choose another name")
      return false
    }
    if let previous = parameterRanges[name.text] ?? setSyntax[name.text]?.name.range {
      let what = parameterRanges[name.text] != nil ? "parameter" : "set"
      // Parameters are collected before sets: report whichever comes later in the file.
      let (here, there, thereKind) =
        previous.start < name.range.start ? (name.range, previous, what) : (previous, name.range, kind)
      diagnostics.add(
        .duplicateName, "'\(name.text)' is already defined", at: here,
        notes: ["the \(thereKind) '\(name.text)' is defined at \(there.start)"],
        help: "sets and parameters share one namespace; rename one of them")
      return false
    }
    return true
  }

  private mutating func collectSweeps() {
    for entry in syntax.sweeps {
      let name = entry.name.text
      guard parameterValues[name] != nil else {
        if let set = setSyntax[name] ?? syntax.sets.first(where: { $0.name.text == name }) {
          diagnostics.add(
            .sweepOfUndefinedParameter, "cannot sweep the set '\(name)'", at: entry.name.range,
            notes: ["'\(name)' is a set, defined at \(set.range.start)"])
        } else {
          diagnostics.add(
            .sweepOfUndefinedParameter, "sweep of undefined parameter '\(Token.abbreviate(name))'",
            at: entry.name.range,
            help: Suggestions.didYouMean(name, among: parameterValues.keys.sorted())
              ?? "define it first: 'let \(name) = \(entry.values.first.map { formatted($0) } ?? "1")'")
        }
        continue
      }
      if let previous = sweepOrigins[name] {
        diagnostics.add(
          .duplicateSweep, "'\(name)' is swept twice", at: entry.name.range,
          notes: ["first swept at \(previous.start)"], help: "list all its values in one sweep")
        continue
      }
      sweepOrigins[name] = entry.range
      var values: [Double] = []
      for value in entry.values {
        guard case .literal(let number) = value.value else { continue }
        if values.contains(number) {
          diagnostics.add(
            .duplicateSweepValue, "the sweep of '\(name)' lists \(formatNumber(number)) twice",
            at: value.range,
            help: "remove the repeated value")
          continue
        }
        values.append(number)
      }
      if entry.values.count == 1 {
        diagnostics.add(
          .singleValueSweep, "the sweep of '\(name)' has only one value", at: entry.range,
          help: "use 'let \(name) = \(formatted(entry.values[0]))', or add values")
      }
      if overrides[name] != nil { continue }  // fixed by --set
      guard !values.isEmpty else { continue }
      sweeps.append(Scenario.Sweep(name: name, values: values))
      parameterOrigins[name] = "in the sweep at \(entry.range.start)"
    }
  }

  private func formatted(_ quantity: QuantitySyntax) -> String {
    switch quantity.value {
    case .literal(let value): return formatNumber(value) + (quantity.isPercent ? "%" : "")
    case .parameter(let name): return name + (quantity.isPercent ? "%" : "")
    case .invalid: return "?"
    }
  }

  private mutating func collectSeeds() {
    guard let entry = syntax.seeds else { return }
    for quantity in [entry.kind].flatMap({ kind -> [QuantitySyntax] in
      switch kind {
      case .count(let q): return [q]
      case .range(let a, let b): return [a, b]
      }
    }) where quantity.parameterName != nil {
      diagnostics.add(
        .expected, "expected a number, found a name", at: quantity.range, help: "seeds are numbers")
      return
    }
    switch entry.kind {
    case .count(let count):
      guard number(count, .count("the number of seeds", minimum: 1, maximum: Limits.runs)) != nil,
        case .literal(let n) = count.value, n >= 1, n <= Double(Limits.runs), n == n.rounded()
      else { return }
      seeds = (1...UInt64(n)).map { $0 }
    case .range(let first, let last):
      let rule = NumberRule.count("a seed", minimum: 0, maximum: Limits.seed)
      guard number(first, rule) != nil, number(last, rule) != nil,
        case .literal(let a) = first.value, case .literal(let b) = last.value,
        rule.problem(a) == nil, rule.problem(b) == nil
      else { return }
      if b < a {
        diagnostics.add(
          .emptyRange, "the seed range \(formatNumber(a))..\(formatNumber(b)) is empty", at: entry.range,
          help: "write the smaller seed first")
        return
      }
      if b - a + 1 > Double(Limits.runs) {
        diagnostics.add(
          .tooManyRuns, "\(formatNumber(b - a + 1)) seeds is more than the limit of \(Limits.runs)",
          at: entry.range)
        return
      }
      seeds = (UInt64(a)...UInt64(b)).map { $0 }
    }
  }

  // MARK: - World

  private mutating func buildWorld() {
    guard let entry = syntax.world else { return }
    let kind: Scenario.World.Kind
    var broken = false
    switch entry.kind {
    case .runsum:
      let base = number(entry.arguments[0], .count("the base P", minimum: 2, maximum: Limits.base))
      let length = number(
        entry.arguments[1], .count("the length L", minimum: 1, maximum: Limits.sequenceLength))
      guard let base, let length else { return }
      kind = .runsum(base: base, length: length)
    case .modsum:
      guard let base = number(entry.arguments[0], .count("the modulus P", minimum: 2, maximum: Limits.base))
      else {
        return
      }
      kind = .modsum(base: base)
    case .lookup:
      guard
        let items = number(
          entry.arguments[0], .count("the number of items", minimum: 1, maximum: Limits.items))
      else { return }
      kind = .lookup(items: items)
    }
    func notFor(_ option: QuantitySyntax?, _ name: String, _ why: String) -> Bool {
      guard let option else { return false }
      diagnostics.add(
        .optionNotForWorld, "'\(name)' does not apply to a \(entry.kind.rawValue) world",
        at: entry.optionRanges[name] ?? option.range, help: why)
      return true
    }
    switch entry.kind {
    case .runsum:
      broken =
        notFor(entry.length, "length", "runsum's length is its second argument: 'world runsum P L'") || broken
      broken = notFor(entry.vocab, "vocab", "runsum's tokens are the digits 0..P-1") || broken
      broken = notFor(entry.classes, "classes", "runsum's answers are the sums 0..P-1") || broken
    case .modsum:
      broken = notFor(entry.items, "items", "modsum has every pair (a, b): P² items") || broken
      broken = notFor(entry.length, "length", "modsum's items are pairs") || broken
      broken = notFor(entry.vocab, "vocab", "modsum's tokens are 0..P-1") || broken
      broken = notFor(entry.classes, "classes", "modsum's answers are 0..P-1") || broken
    case .lookup:
      broken = notFor(entry.items, "items", "lookup's item count is its argument: 'world lookup N'") || broken
    }
    var items: Quantity? = nil
    if entry.kind == .runsum {
      items = number(entry.items, .count("the number of items", minimum: 1, maximum: Limits.items))
    }
    let length = number(entry.length, .count("the length", minimum: 1, maximum: Limits.sequenceLength))
    let vocab = number(entry.vocab, .count("the vocabulary", minimum: 2, maximum: Limits.vocabulary))
    let classes = number(
      entry.classes, .count("the number of classes", minimum: 2, maximum: Limits.vocabulary))
    var convention: Scenario.World.Convention? = nil
    if let syntax = entry.convention {
      convention = self.convention(syntax)
      if convention == nil { broken = true }
    }
    var extras: [Scenario.World.NamedConvention] = []
    for syntax in entry.conventions {
      guard let name = syntax.name, conventionName(name) else { broken = true; continue }
      guard let value = self.convention(syntax) else { broken = true; continue }
      extras.append(Scenario.World.NamedConvention(name: name.text, convention: value))
    }
    guard !broken else { return }
    world = Scenario.World(
      kind: kind, items: items, convention: convention, conventions: extras,
      password: entry.password != nil, length: length, vocab: vocab, classes: classes)
  }

  /// A convention's kind and argument, checked.
  private mutating func convention(_ syntax: ConventionSyntax) -> Scenario.World.Convention? {
    switch syntax.kind {
    case .weak(let q):
      guard let value = number(q, .probability("the probability of the truth")) else { return nil }
      if case .literal(let p) = value, p == 1 {
        let wrong = syntax.name.map { "'wrong \($0.text)'" } ?? "'wrong'"
        diagnostics.add(
          .conventionAlwaysTruth, "with 'weak 1' the \(syntax.name == nil ? "taboo" : "convention's") "
            + "answer is always the truth", at: q.range,
          help: "\(wrong) will be empty; use a probability below 1")
      }
      return .weak(truthProbability: value)
    case .shift(let k):
      guard
        let value = number(k, .count("the shift", minimum: -Limits.vocabulary, maximum: Limits.vocabulary))
      else { return nil }
      return .shift(value)
    case .constant(let a):
      guard let value = number(a, .count("the constant answer", minimum: 0, maximum: Limits.vocabulary))
      else { return nil }
      return .constant(value)
    case .scramble:
      return .scramble
    }
  }

  /// Whether `name` may name an extra convention: not a built-in word, target or phase statement
  /// (`NAME on SET` must read as a stream), nor `mixed` (the records' word for mixed targets).
  private mutating func conventionName(_ name: NameSyntax) -> Bool {
    let taken = Keywords.reserved.union(Directives.phase).union(["truth", "taboo", "random", "random-all", "mixed"])
    guard taken.contains(name.text) else { return true }
    diagnostics.add(
      .reservedName, "'\(name.text)' is a built-in word and cannot name a convention", at: name.range,
      help: "choose another name, e.g. 'convention X shift 2'")
    return false
  }

  /// The world's named extra conventions, as written.
  var conventionNames: [String] { syntax.world?.conventions.compactMap(\.name?.text) ?? [] }

  /// Whether the named convention exists; reports it (with the names that do) if not.
  mutating func checkConvention(_ name: NameSyntax) -> Bool {
    if conventionNames.contains(name.text) { return true }
    let known = conventionNames
    let help = Suggestions.didYouMean(name.text, among: known)
      ?? (known.isEmpty
        ? "name one in the world block, e.g. 'convention X shift 2'"
        : "the world's conventions are \(known.map { "'\($0)'" }.joined(separator: ", "))")
    diagnostics.add(
      .unknownConventionName, "'\(Token.abbreviate(name.text))' is not a named convention of the world",
      at: name.range, help: help)
    return false
  }

  // MARK: - Sets

  private mutating func collectSets() {
    for entry in syntax.sets {
      let name = entry.name.text
      guard checkNewName(entry.name, kind: "set") else { continue }
      setSyntax[name] = entry
      setUses[name] = SetUse()
      guard let expression = entry.expression else { continue }
      if let spec = setExpression(expression, definingSet: name) {
        setOrder.append(name)
        setSpecs[name] = spec
      }
    }
  }

  /// Checks the names in a set expression (defined before use, not itself) and converts it.
  mutating func setExpression(_ expression: SetExpressionSyntax, definingSet: String) -> Scenario
    .SetExpression?
  {
    switch expression.kind {
    case .all: return .all
    case .wrong:
      requireConvention(for: "'wrong'", at: expression.range)
      return .wrong
    case .wrongUnder(let name):
      guard checkConvention(name) else { return nil }
      return .wrongUnder(name.text)
    case .named(let name):
      guard checkSetName(NameSyntax(text: name, range: expression.range), definingSet: definingSet) else {
        return nil
      }
      setUses[name]?.inOtherSets = true
      return .named(name)
    case .sample(let count, let operand):
      let rule: NumberRule =
        count.isPercent
        ? .probability("the sample percentage") : .count("the sample size", minimum: 1, maximum: Limits.items)
      let quantity = number(count, rule)
      guard let inner = setExpression(operand, definingSet: definingSet), let quantity else { return nil }
      return count.isPercent ? .sampleFraction(quantity, of: inner) : .sample(count: quantity, of: inner)
    case .items(let entries):
      var ranges: [Scenario.ItemRange] = []
      var broken = false
      for entry in entries {
        let rule = NumberRule.count("an item index", minimum: 0, maximum: Limits.items - 1)
        guard let first = number(entry.first, rule) else {
          broken = true
          continue
        }
        guard let lastSyntax = entry.last else {
          ranges.append(Scenario.ItemRange(first: first, last: first))
          continue
        }
        guard let last = number(lastSyntax, rule) else {
          broken = true
          continue
        }
        ranges.append(Scenario.ItemRange(first: first, last: last))
      }
      return broken ? nil : .items(ranges)
    case .chain(let first, let operations):
      var result = setExpression(first, definingSet: definingSet)
      for operation in operations {
        let operand = setExpression(operation.operand, definingSet: definingSet)
        guard let left = result, let right = operand else {
          result = nil
          continue
        }
        switch operation.op {
        case .union: result = .union(left, right)
        case .difference: result = .difference(left, right)
        case .intersection: result = .intersection(left, right)
        }
      }
      return result
    }
  }

  /// Whether `name` is a set usable here: defined (before `definingSet`, if any), not itself.
  mutating func checkSetName(_ name: NameSyntax, definingSet: String?) -> Bool {
    if name.text == "all" { return true }
    if name.text == "wrong" {
      requireConvention(for: "'wrong'", at: name.range)
      return true
    }
    if name.text == definingSet {
      diagnostics.add(
        .setRefersToItself, "the set '\(name.text)' is defined in terms of itself", at: name.range,
        help: "sets are evaluated in order; refer only to sets defined above")
      return false
    }
    if setSyntax[name.text] != nil { return true }
    if let later = syntax.sets.first(where: { $0.name.text == name.text }) {
      diagnostics.add(
        .setUsedBeforeDefinition, "the set '\(name.text)' is used before its definition", at: name.range,
        notes: ["'\(name.text)' is defined at \(later.name.range.start)"],
        help: "sets are evaluated in order; move this definition below it")
      return false
    }
    if parameterValues[name.text] != nil {
      diagnostics.add(
        .unknownSet, "'\(name.text)' is a parameter, not a set", at: name.range,
        notes: ["the parameter is defined at \(parameterRanges[name.text]!.start)"])
      return false
    }
    let known = ["all", "wrong"] + syntax.sets.map(\.name.text)
    var help = Suggestions.didYouMean(name.text, among: known)
    if help == nil, name.text.contains("-") {
      let parts = name.text.split(separator: "-").map(String.init)
      if parts.allSatisfy({ known.contains($0) }) {
        help = "to subtract sets, put spaces around '-': '\(parts.joined(separator: " - "))'"
      }
    }
    diagnostics.add(.unknownSet, "unknown set '\(Token.abbreviate(name.text))'", at: name.range, help: help)
    return false
  }

  private mutating func requireConvention(for what: String, at range: SourceRange) {
    guard let world = syntax.world, world.convention == nil else { return }
    diagnostics.add(
      .conventionRequired, "\(what) needs a convention, and the world has none", at: range,
      notes: ["the world is defined at \(world.range.start)"],
      help: "add one to the world block, e.g. 'convention weak 0.25'")
  }

  // MARK: - Model, training, context, probes

  private mutating func buildModel() {
    guard let entry = syntax.model else { return }
    let hidden = number(entry.hidden, .count("the hidden size", minimum: 1, maximum: Limits.width))
    let embedding = number(entry.embedding, .count("the embedding size", minimum: 1, maximum: Limits.width))
    let layers = number(entry.layers, .count("the number of layers", minimum: 1, maximum: Limits.layers))
    let heads = number(entry.heads, .count("the number of heads", minimum: 1, maximum: Limits.width))
    let feedForward = number(
      entry.feedForward, .count("the feed-forward width", minimum: 1, maximum: Limits.width))
    // Options of the other kind of network.
    var misplaced = false
    func notFor(_ option: QuantitySyntax?, _ name: String, _ help: String) {
      guard let option else { return }
      misplaced = true
      diagnostics.add(
        .optionNotForCell, "'\(name)' does not apply to a \(entry.cell.rawValue) model",
        at: entry.optionRanges[name] ?? option.range, help: help)
    }
    if entry.cell == .transformer {
      notFor(entry.embedding, "embedding", "a transformer embeds its tokens into its width D")
    } else {
      let help = "'layers', 'heads' and 'ff' are a transformer's: 'model transformer 64 { heads 4 }'"
      notFor(entry.layers, "layers", help)
      notFor(entry.heads, "heads", help)
      notFor(entry.feedForward, "ff", help)
    }
    guard let hidden, !misplaced, entry.embedding == nil || embedding != nil,
      entry.layers == nil || layers != nil, entry.heads == nil || heads != nil,
      entry.feedForward == nil || feedForward != nil
    else { return }
    model = Scenario.Model(
      cell: entry.cell, hidden: hidden, embedding: embedding, layers: layers, heads: heads,
      feedForward: feedForward)
  }

  private mutating func buildTraining() {
    guard let entry = syntax.train else { return }
    training = trainingOverrides(entry)
    warnAboutOptimizer(entry, optimizer: training.optimizer ?? Defaults.training.optimizer)
  }

  /// Converts the settings of `train { … }` or of a phase, checking each number's rule.
  mutating func trainingOverrides(_ entry: TrainSettingsSyntax) -> Scenario.TrainingOverrides {
    var result = Scenario.TrainingOverrides()
    result.optimizer = entry.optimizer?.0
    switch entry.batch {
    case .all?: result.batch = .all
    case .size(let size)?:
      result.batch = number(size, .count("the batch size", minimum: 1, maximum: Limits.batch)).map {
        .size($0)
      }
    case nil: break
    }
    for setting in TrainingSettings.numeric {
      let rule = NumberRule.real(
        setting.what, minimum: setting.minimum, minimumIncluded: setting.minimumIncluded,
        maximum: setting.maximum, maximumIncluded: setting.maximumIncluded)
      if let value = number(entry.numbers[setting.word], rule) { result.numbers[setting.word] = value }
    }
    result.keepOptimizer = entry.keepOptimizer != nil ? true : nil
    return result
  }

  /// Warns about settings that the effective optimizer ignores (`momentum` with adam).
  private mutating func warnAboutOptimizer(_ entry: TrainSettingsSyntax, optimizer: OptimizerKind) {
    for setting in TrainingSettings.numeric {
      guard let only = setting.onlyWith, only != optimizer, let range = entry.statementRanges[setting.word]
      else { continue }
      diagnostics.add(
        .settingHasNoEffect, "'\(setting.word)' has no effect with \(optimizer.rawValue)", at: range,
        help: "\(setting.word) applies to 'optimizer \(only.rawValue)'")
    }
  }

  private mutating func buildContext() {
    guard let entry = syntax.context else { return }
    switch entry.kind {
    case .reset: context = .reset
    case .stream(let window):
      if let value = number(window, .count("the stream window", minimum: 1, maximum: Limits.streamWindow)) {
        context = .stream(window: value)
      }
    }
  }

  private mutating func buildProbe() {
    guard let entry = syntax.probe else { return }
    let every = number(entry.every, .count("the probe interval", minimum: 1, maximum: Limits.probeInterval))
    var names: [String] = []
    for name in entry.sets {
      guard checkSetName(name, definingSet: nil) else { continue }
      setUses[name.text]?.probed = true
      if names.contains(name.text) {
        diagnostics.add(
          .duplicateName, "'\(name.text)' is probed twice", at: name.range, help: "list each set once")
        continue
      }
      names.append(name.text)
    }
    guard let every else { return }
    probe = Scenario.Probe(everySteps: every, sets: names, latent: entry.latent != nil)
  }

  private mutating func buildCriterion() {
    guard let entry = syntax.criterion else { return }
    let fraction = number(entry.fraction, .probability("the criterion"))
    let probes = number(
      entry.probes, .count("the number of probes", minimum: 1, maximum: Limits.criterionProbes))
    guard let fraction, let probes else { return }
    criterion = Scenario.Criterion(fraction: fraction, probes: probes)
  }

  // MARK: - Phases

  /// `from` and `perturb like` of `entry`: each must name an earlier phase outside every repeat
  /// block, or an earlier phase of the same block (`block`: the names before it there).
  private mutating func phaseReferences(
    _ entry: PhaseSyntax, outside: [String], insideRepeats: [String], block: [String]?
  ) -> (from: Scenario.PhaseReference?, kick: Scenario.PhaseReference?, ok: Bool) {
    var ok = true
    func reference(_ name: NameSyntax?, _ what: String) -> Scenario.PhaseReference? {
      guard let name else { return nil }
      if let block, block.contains(name.text) { return .init(name: name.text, sameBlock: true) }
      if outside.contains(name.text) { return .init(name: name.text, sameBlock: false) }
      ok = false
      if insideRepeats.contains(name.text) {
        diagnostics.add(
          .phaseInsideRepeat,
          "'\(what)' names the phase '\(Token.abbreviate(name.text))', which is inside a 'repeat' block",
          at: name.range,
          help: "name a phase outside every 'repeat' block, or one earlier in the same block "
            + "(a repeat may run zero times)")
      } else {
        let known = outside + (block ?? [])
        diagnostics.add(
          .unknownPhase, "'\(what)' names no earlier phase called '\(Token.abbreviate(name.text))'",
          at: name.range,
          help: Suggestions.didYouMean(name.text, among: known)
            ?? "name a phase that comes before this one")
      }
      return nil
    }
    let from = reference(entry.from, "from")
    let kick = reference(entry.perturbLike?.phase, "perturb like")
    return (from, kick, ok)
  }

  private mutating func buildSchedule() {
    var outside: [String] = [], insideRepeats: [String] = []
    for item in syntax.schedule {
      switch item {
      case .phase(let entry):
        let references = phaseReferences(entry, outside: outside, insideRepeats: insideRepeats, block: nil)
        outside.append(entry.name.text)
        if var phase = phase(entry), references.ok {
          phase.from = references.from
          phase.kick = references.kick.map { ($0, entry.perturbLike?.perTensor != nil) }
          schedule.append(.phase(phase))
          phasePairs.append((entry, phase))
        }
      case .repeated(let entry):
        let count = number(
          entry.count, .count("the number of repetitions", minimum: 0, maximum: Limits.repeats))
        var phases: [Scenario.Phase] = []
        var block: [String] = []
        for inner in entry.phases {
          let references = phaseReferences(inner, outside: outside, insideRepeats: insideRepeats, block: block)
          block.append(inner.name.text)
          if var phase = phase(inner), references.ok {
            phase.from = references.from
            phase.kick = references.kick.map { ($0, inner.perturbLike?.perTensor != nil) }
            phases.append(phase)
            phasePairs.append((inner, phase))
          }
        }
        insideRepeats += block
        if entry.phases.isEmpty, !entry.hasBrokenStatements {
          diagnostics.add(
            .missingPhase, "this 'repeat' holds no phase", at: entry.range,
            help: "put phases inside its block")
        }
        if let count, phases.count == entry.phases.count {
          schedule.append(.repeated(count: count, phases: phases))
        }
      }
    }
  }

  private mutating func phase(_ entry: PhaseSyntax) -> Scenario.Phase? {
    var broken = false
    let streamMode: Bool
    if case .stream? = syntax.context?.kind { streamMode = true } else { streamMode = false }
    var length: Scenario.Phase.Length? = nil
    if let syntaxLength = entry.length {
      func rule(_ unit: LengthUnit) -> NumberRule {
        switch unit {
        case .steps: return .count("the number of steps", minimum: 1, maximum: Limits.steps)
        case .epochs: return .count("the number of epochs", minimum: 1, maximum: Limits.epochs)
        case .trials: return .count("the number of trials", minimum: 1, maximum: Limits.steps)
        }
      }
      var unit: LengthUnit = .steps
      switch syntaxLength.kind {
      case .fixed(let n, let u):
        unit = u
        length = number(n, rule(u)).map { .fixed($0, u) }
      case .random(let a, let b, let u):
        unit = u
        let first = number(a, rule(u))
        let last = number(b, rule(u))
        if let first, let last { length = .random(first, last, u) }
      case .untilCriterion(let cap):
        length = number(cap, .count("the step cap", minimum: 1, maximum: Limits.steps)).map {
          .untilCriterion(maxSteps: $0)
        }
        if syntax.probe == nil, !syntax.directivesSeen.contains("probe") {
          diagnostics.add(
            .criterionWithoutProbes, "'until criterion' needs probes, and the file has no 'probe'",
            at: syntaxLength.range, help: "add 'probe every N steps on SET, …'")
        }
        if entry.streams.isEmpty, !entry.hasBrokenStatements {
          diagnostics.add(
            .criterionWithoutStreams, "'until criterion' needs a stream to meet the criterion on",
            at: syntaxLength.range, help: "add a stream such as 'truth on all', or give a fixed length")
        }
      }
      if streamMode, entry.frozen != nil, unit != .trials {
        diagnostics.add(
          .frozenStreamNotInTrials, "a frozen phase in 'context stream' is counted in trials",
          at: syntaxLength.range,
          help: "write 'for N trials' (or 'for A..B trials'): each trial presents one example per lane")
      }
      if unit == .trials && (entry.frozen == nil || !streamMode) {
        diagnostics.add(
          .trialsOutsideFrozenStream, "'trials' measures frozen phases in 'context stream'",
          at: syntaxLength.unitRange,
          help: !streamMode
            ? "add 'context stream W' to the file, or count steps"
            : "add 'frozen' to this phase, or count steps")
      }
    }
    var streams: [Scenario.Stream] = []
    for stream in entry.streams {
      if let name = stream.target.conventionName, !conventionNames.contains(name) {
        // Neither a target nor a convention: a misspelt statement, said as the parser would.
        let known = Directives.phase + conventionNames
        diagnostics.add(
          .unknownDirective, "unknown phase statement '\(Token.abbreviate(name))'", at: stream.targetRange,
          help: Suggestions.didYouMean(name, among: known)
            ?? "a stream's target is truth, taboo, random, random-answer or a convention named in the world block")
        broken = true
        continue
      }
      if checkSetName(stream.set, definingSet: nil) {
        setUses[stream.set.text]?.trained = true
      } else {
        broken = true
      }
      if stream.target == .taboo { requireConvention(for: "'taboo'", at: stream.range) }
      if let password = stream.password, let world = syntax.world, world.password == nil {
        diagnostics.add(
          .passwordWithoutPassword, "'with password' in a world without a password", at: password,
          notes: ["the world is defined at \(world.range.start)"], help: "add 'password' to the world block")
      }
      streams.append(
        Scenario.Stream(
          target: stream.target, set: stream.set.text, password: stream.password != nil,
          noise: stream.noise.flatMap { number($0, .probability("a stream's noise")) }))
    }
    if streamMode, let frozen = entry.frozen, entry.streams.isEmpty, !entry.hasBrokenStatements {
      diagnostics.add(
        .frozenStreamWithoutStreams,
        "the frozen phase '\(Token.abbreviate(entry.name.text))' has no stream to present in its trials",
        at: frozen,
        help: "add the streams whose items the trials show, such as 'taboo on A; truth on B'")
    }
    if entry.streams.isEmpty && entry.frozen == nil && !entry.hasBrokenStatements {
      diagnostics.add(
        .phaseTrainsNothing, "the phase '\(Token.abbreviate(entry.name.text))' trains nothing",
        at: entry.headRange,
        help: "add a stream such as 'truth on all', or 'frozen' for a phase without training")
    }
    let overrides = trainingOverrides(entry.overrides)
    if entry.frozen != nil, let first = entry.overrides.firstRange {
      diagnostics.add(
        .settingHasNoEffect, "training settings have no effect in a frozen phase", at: first,
        help: "remove them, or remove 'frozen'")
    }
    warnAboutOptimizer(
      entry.overrides, optimizer: overrides.optimizer ?? training.optimizer ?? Defaults.training.optimizer)
    let perturb = number(entry.perturb, .positiveReal("the perturbation", maximum: Limits.perturbSigma))
    guard !broken, let length, entry.perturb == nil || perturb != nil else { return nil }
    return Scenario.Phase(
      name: entry.name.text, length: length, streams: streams, overrides: overrides,
      frozen: entry.frozen != nil,
      perturb: perturb)
  }

  // MARK: - Completeness

  private mutating func requireDirectives() {
    let end = SourceRange(at: source.endLocation)
    if syntax.world == nil, !syntax.directivesSeen.contains("world") {
      diagnostics.add(
        .missingWorld, "the scenario has no 'world'", at: end,
        help: "add e.g. 'world runsum 5 6 { convention weak 0.25 }'")
    }
    if syntax.model == nil, !syntax.directivesSeen.contains("model") {
      diagnostics.add(.missingModel, "the scenario has no 'model'", at: end, help: "add e.g. 'model gru 64'")
    }
    if syntax.schedule.isEmpty, !syntax.directivesSeen.contains("phase"),
      !syntax.directivesSeen.contains("repeat")
    {
      diagnostics.add(
        .missingPhase, "the scenario has no 'phase'", at: end,
        help: "add e.g. 'phase learn for 1000 steps { truth on all }'")
    }
    if syntax.probe == nil, !syntax.directivesSeen.contains("probe"), !syntax.schedule.isEmpty {
      diagnostics.add(
        .noProbe,
        "the scenario has no 'probe': only the trained streams are measured, every \(Defaults.probeEvery) steps",
        at: end, help: "add e.g. 'probe every 10 steps on all' to measure the sets a phase does not train")
    }
  }

  private mutating func warnAboutUnused() {
    for entry in syntax.sets {
      guard let use = setUses[entry.name.text], setSyntax[entry.name.text]?.range == entry.range else {
        continue
      }
      if !use.inOtherSets && !use.trained && !use.probed {
        diagnostics.add(
          .unusedSet, "the set '\(entry.name.text)' is never used", at: entry.name.range,
          help: "train it in a phase, probe it, or remove it")
      } else if !use.trained && !use.probed {
        diagnostics.add(
          .setNeitherTrainedNorProbed, "the set '\(entry.name.text)' is neither trained nor probed",
          at: entry.name.range, help: "add it to 'probe … on' to see what happens to it")
      }
    }
    for entry in syntax.lets where parameterRanges[entry.name.text] == entry.name.range {
      if !usedParameters.contains(entry.name.text) {
        diagnostics.add(
          .unusedParameter, "the parameter '\(entry.name.text)' is never used", at: entry.name.range,
          help: "use it in a number's place, or remove it")
      }
    }
  }
}
