// Gives the generic statements their meaning: one method per directive, each reading its
// arguments with an `ArgumentCursor` and its block statement by statement. A statement with an
// error is dropped after its diagnostic; the rest of the file is still read.

import Specification

import Foundation

struct DirectiveParser {
  private var diagnostics: DiagnosticSink
  private var file = FileSyntax()

  private init(diagnostics: DiagnosticSink) {
    self.diagnostics = diagnostics
  }

  static func parse(_ statements: [Statement], into diagnostics: inout DiagnosticSink) -> FileSyntax {
    var parser = DirectiveParser(diagnostics: diagnostics)
    parser.file.hasStatements = !statements.isEmpty
    for statement in statements { parser.topLevel(statement) }
    diagnostics = parser.diagnostics
    return parser.file
  }

  // MARK: - Top level

  private mutating func topLevel(_ statement: Statement) {
    let name = statement.name.text
    file.directivesSeen.insert(name)
    switch name {
    case "scenario": scenario(statement)
    case "world": world(statement)
    case "let": letDirective(statement)
    case "sweep": sweep(statement)
    case "seeds": seeds(statement)
    case "set": set(statement)
    case "model": model(statement)
    case "train": train(statement)
    case "context": context(statement)
    case "probe": probe(statement)
    case "criterion": criterion(statement)
    case "phase":
      if let phase = phase(statement) { file.schedule.append(.phase(phase)) }
    case "repeat": repeatBlock(statement)
    default: unknown(statement, among: Directives.topLevel, context: "directive")
    }
  }

  /// An unknown statement name: a misplaced directive, or a did-you-mean.
  private mutating func unknown(_ statement: Statement, among known: [String], context: String) {
    let name = statement.name.text
    if let home = Directives.home(of: name) {
      diagnostics.add(
        .misplacedDirective, "'\(name)' is not allowed here", at: statement.name.range,
        help: "'\(name)' belongs \(home)")
      return
    }
    var help = Suggestions.didYouMean(name, among: known)
    if help == nil,
      let elsewhere = Suggestions.closest(
        to: name, among: Directives.topLevel + Directives.world + Directives.model + Directives.phase),
      let home = Directives.home(of: elsewhere)
    {
      help = "did you mean '\(elsewhere)'? (it belongs \(home))"
    }
    diagnostics.add(
      .unknownDirective, "unknown \(context) '\(Token.abbreviate(name))'", at: statement.name.range,
      help: help)
  }

  /// Reports a block where none belongs (and ignores its contents).
  private mutating func noBlock(_ statement: Statement) {
    if let block = statement.block {
      diagnostics.add(
        .blockMismatch, "'\(statement.name.text)' takes no block", at: block.open.range,
        help: "remove the '{ … }'")
    }
  }

  /// Reports a second occurrence of a directive that may appear once.
  private mutating func once(_ already: SourceRange?, _ statement: Statement) -> Bool {
    guard let already else { return true }
    diagnostics.add(
      .duplicateDirective, "'\(statement.name.text)' is given twice", at: statement.name.range,
      notes: ["first given at \(already.start)"], help: "remove one of them")
    return false
  }

  private mutating func scenario(_ statement: Statement) {
    noBlock(statement)
    guard once(file.scenarioName?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard let token = cursor.current, token.kind == .string || token.kind == .word else {
      cursor.expected("a name in quotes", &diagnostics)
      return
    }
    cursor.advance()
    cursor.finish(&diagnostics, help: "put a name with spaces in quotes: scenario \"my name\"")
    if token.text.trimmingCharacters(in: .whitespaces).isEmpty {
      diagnostics.add(.emptyName, "the scenario name is empty", at: token.range)
      return
    }
    file.scenarioName = NameSyntax(text: token.text, range: token.range)
  }

  // MARK: - World

  private mutating func world(_ statement: Statement) {
    guard once(file.world?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard
      let kind = cursor.keyword(
        WorldWord.self, expected: "a world kind (runsum, modsum or lookup)", unknown: .unknownWorldKind,
        noun: "world kind", listing: "the worlds are runsum P L, modsum P and lookup N", &diagnostics)
    else { return }
    let kindRange = cursor.previous.range
    var arguments: [QuantitySyntax] = []
    while !cursor.isAtEnd {
      guard let value = cursor.quantity("a number", &diagnostics) else { return }
      arguments.append(value)
    }
    let expectedCount = kind.argumentNames.count
    if arguments.count != expectedCount {
      let usage = ([kind.rawValue] + kind.argumentNames).joined(separator: " ")
      let range =
        arguments.isEmpty ? cursor.insertionPoint : arguments[0].range.through(arguments.last!.range)
      diagnostics.add(
        .wrongArgumentCount,
        "'\(kind.rawValue)' takes \(expectedCount) argument\(expectedCount == 1 ? "" : "s"), found \(arguments.count)",
        at: arguments.count > expectedCount
          ? arguments[expectedCount].range.through(arguments.last!.range) : range,
        help: "write 'world \(usage)'")
      return
    }
    var syntax = WorldSyntax(
      kind: kind, kindRange: kindRange, arguments: arguments, range: statement.range)
    for inner in statement.block?.statements ?? [] {
      worldOption(inner, &syntax)
      syntax.optionRanges[inner.name.text] = syntax.optionRanges[inner.name.text] ?? inner.range
    }
    file.world = syntax
  }

  private mutating func worldOption(_ statement: Statement, _ world: inout WorldSyntax) {
    noBlock(statement)
    var cursor = ArgumentCursor(statement)
    switch statement.name.text {
    case "items", "length", "vocab", "classes":
      let path: WritableKeyPath<WorldSyntax, QuantitySyntax?> =
        switch statement.name.text {
        case "items": \.items
        case "length": \.length
        case "vocab": \.vocab
        default: \.classes
        }
      guard once(world[keyPath: path]?.range, statement) else { return }
      guard let value = cursor.quantity("a number", &diagnostics) else { return }
      cursor.finish(&diagnostics)
      world[keyPath: path] = value
    case "password":
      guard once(world.password, statement) else { return }
      cursor.finish(&diagnostics, help: "'password' takes no arguments")
      world.password = statement.name.range
    case "convention":
      // `convention KIND …` is the world's taboo convention; `convention NAME KIND …` a named
      // extra one: a word that is not a convention kind, followed by another word (the kind,
      // checked below).
      var name: NameSyntax? = nil
      // A lone word after the taboo convention is also a name, whose kind is missing.
      if let first = cursor.current, first.kind == .word, ConventionKind(rawValue: first.text) == nil,
        cursor.peek(1)?.kind == .word || (cursor.peek(1) == nil && world.convention != nil)
      {
        name = NameSyntax(text: first.text, range: first.range)
        _ = cursor.advance()
      }
      if let name {
        if let earlier = world.conventions.first(where: { $0.name?.text == name.text }) {
          diagnostics.add(
            .duplicateDirective, "the convention '\(name.text)' is defined twice", at: name.range,
            notes: ["first defined at \(earlier.range.start)"], help: "give each convention its own name")
          return
        }
      } else {
        guard once(world.convention?.range, statement) else { return }
      }
      guard
        let convention = cursor.keyword(
          ConventionKind.self, expected: "a convention (weak Q, shift K, constant A or scramble)",
          unknown: .unknownConvention, noun: "convention",
          listing: "the conventions are weak Q, shift K, constant A and scramble; "
            + "'convention NAME KIND …' names an extra one", &diagnostics)
      else { return }
      let kind: ConventionSyntax.Kind
      switch convention {
      case .weak:
        guard let q = cursor.quantity("the probability Q of the truth", &diagnostics) else { return }
        kind = .weak(q)
      case .shift:
        guard let k = cursor.quantity("the shift K", &diagnostics) else { return }
        kind = .shift(k)
      case .constant:
        guard let a = cursor.quantity("the answer A", &diagnostics) else { return }
        kind = .constant(a)
      case .scramble:
        kind = .scramble
      }
      cursor.finish(&diagnostics)
      let syntax = ConventionSyntax(name: name, kind: kind, range: statement.range)
      if name == nil { world.convention = syntax } else { world.conventions.append(syntax) }
    default:
      unknown(statement, among: Directives.world, context: "world option")
    }
  }

  // MARK: - Parameters, seeds, sets

  private mutating func letDirective(_ statement: Statement) {
    noBlock(statement)
    var cursor = ArgumentCursor(statement)
    guard let name = parameterName(&cursor) else { return }
    guard cursor.consume(.equals, "'='", &diagnostics) != nil,
      let value = cursor.quantity("a number", &diagnostics)
    else { return }
    if value.parameterName != nil {
      diagnostics.add(
        .expected, "expected a number, found a name", at: value.range,
        help: "a parameter's value is a number: let \(name.text) = 3")
      return
    }
    if value.isPercent {
      diagnostics.add(
        .percentageNotAllowed, "a parameter's value is a plain number", at: value.range,
        help: "write the number and put '%' where it is used: 'sample \(name.text)% of all'")
      return
    }
    cursor.finish(&diagnostics)
    file.lets.append(LetSyntax(name: name, value: value, range: statement.range))
  }

  private mutating func parameterName(_ cursor: inout ArgumentCursor) -> NameSyntax? {
    guard let token = cursor.current, token.kind == .word else {
      cursor.expected("a parameter name", &diagnostics)
      return nil
    }
    cursor.advance()
    return NameSyntax(text: token.text, range: token.range)
  }

  private mutating func sweep(_ statement: Statement) {
    noBlock(statement)
    var cursor = ArgumentCursor(statement)
    guard let name = parameterName(&cursor),
      cursor.consume(.equals, "'='", &diagnostics) != nil
    else { return }
    var values: [QuantitySyntax] = []
    repeat {
      guard let value = cursor.quantity("a number", &diagnostics) else { return }
      if value.parameterName != nil {
        diagnostics.add(.expected, "expected a number, found a name", at: value.range)
        return
      }
      if value.isPercent {
        diagnostics.add(
          .percentageNotAllowed, "sweep values are plain numbers", at: value.range,
          help: "put '%' where the parameter is used: 'sample \(name.text)% of all'")
        return
      }
      values.append(value)
    } while cursor.match(.comma) != nil
    cursor.finish(&diagnostics, help: "separate the values with commas")
    file.sweeps.append(SweepSyntax(name: name, values: values, range: statement.range))
  }

  private mutating func seeds(_ statement: Statement) {
    noBlock(statement)
    guard once(file.seeds?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard let first = cursor.quantity("a number of seeds or a range A..B", &diagnostics) else { return }
    var kind = SeedsSyntax.Kind.count(first)
    if cursor.match(.dotDot) != nil {
      guard let last = cursor.quantity("the last seed", &diagnostics) else { return }
      kind = .range(first, last)
    }
    cursor.finish(&diagnostics, help: "write 'seeds N' for seeds 1 to N, or 'seeds A..B'")
    var values = [first]
    if case .range(_, let last) = kind { values.append(last) }
    if let percent = values.first(where: \.isPercent) {
      diagnostics.add(.percentageNotAllowed, "a seed is a plain number", at: percent.range)
      return
    }
    file.seeds = SeedsSyntax(kind: kind, range: statement.range)
  }

  private mutating func set(_ statement: Statement) {
    noBlock(statement)
    var cursor = ArgumentCursor(statement)
    guard let token = cursor.current, token.kind == .word else {
      cursor.expected("a set name", &diagnostics)
      return
    }
    cursor.advance()
    let name = NameSyntax(text: token.text, range: token.range)
    guard cursor.consume(.equals, "'='", &diagnostics) != nil else { return }
    var expressions = SetExpressionParser(cursor: cursor)
    let expression = expressions.expression(depth: 0, &diagnostics)
    cursor = expressions.cursor
    if expression != nil {
      cursor.finish(&diagnostics, help: "combine sets with +, - and &")
    }
    file.sets.append(SetSyntax(name: name, expression: expression, range: statement.range))
  }

  // MARK: - Model, training, context, probes

  private mutating func model(_ statement: Statement) {
    guard once(file.model?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard
      let cell = cursor.keyword(
        CellKind.self, expected: "a cell kind (elman, gru, lstm or transformer)",
        unknown: .unknownCellKind, noun: "cell kind",
        listing: "the cells are elman, gru, lstm and transformer", &diagnostics)
    else { return }
    guard let hidden = cursor.quantity("the hidden size", &diagnostics) else { return }
    cursor.finish(&diagnostics)
    var syntax = ModelSyntax(cell: cell, hidden: hidden, range: statement.range)
    let options: [String: (WritableKeyPath<ModelSyntax, QuantitySyntax?>, String)] = [
      "embedding": (\.embedding, "the embedding size"), "layers": (\.layers, "the number of layers"),
      "heads": (\.heads, "the number of heads"), "ff": (\.feedForward, "the feed-forward width"),
    ]
    for inner in statement.block?.statements ?? [] {
      noBlock(inner)
      guard let (path, what) = options[inner.name.text] else {
        unknown(inner, among: Directives.model, context: "model option")
        continue
      }
      guard once(syntax[keyPath: path]?.range, inner) else { continue }
      var innerCursor = ArgumentCursor(inner)
      guard let size = innerCursor.quantity(what, &diagnostics) else { continue }
      innerCursor.finish(&diagnostics)
      syntax[keyPath: path] = size
      syntax.optionRanges[inner.name.text] = inner.name.range
    }
    file.model = syntax
  }

  private mutating func train(_ statement: Statement) {
    guard once(file.trainRange, statement) else { return }
    var cursor = ArgumentCursor(statement)
    cursor.finish(&diagnostics, help: "settings go in the block: train { lr 0.003 }")
    guard let block = statement.block else {
      diagnostics.add(
        .blockMismatch, "'train' needs a block of settings", at: statement.name.range,
        help: "write 'train { optimizer adam; lr 0.003; batch all }'")
      return
    }
    var settings = TrainSettingsSyntax()
    for inner in block.statements {
      if !trainSetting(inner, &settings) {
        unknown(inner, among: Directives.train, context: "training setting")
      }
    }
    file.train = settings
    file.trainRange = statement.name.range
  }

  /// Reads one training setting into `settings`; false if the statement is not one.
  private mutating func trainSetting(_ statement: Statement, _ settings: inout TrainSettingsSyntax) -> Bool {
    var cursor = ArgumentCursor(statement)
    if Directives.train.contains(statement.name.text), settings.statementRanges[statement.name.text] == nil {
      settings.statementRanges[statement.name.text] = statement.range
    }
    switch statement.name.text {
    case "optimizer":
      noBlock(statement)
      guard once(settings.optimizer?.1, statement) else { return true }
      guard
        let optimizer = cursor.keyword(
          OptimizerKind.self, expected: "an optimizer (adam or sgd)", unknown: .unknownOptimizer,
          noun: "optimizer", listing: "the optimizers are adam and sgd", &diagnostics)
      else { return true }
      cursor.finish(&diagnostics)
      settings.optimizer = (optimizer, statement.range)
    case let word where TrainingSettings.numeric(word) != nil:
      noBlock(statement)
      guard once(settings.numbers[word]?.range, statement) else { return true }
      guard let value = cursor.quantity("a number", &diagnostics) else { return true }
      cursor.finish(&diagnostics)
      settings.numbers[word] = value
    case "batch":
      noBlock(statement)
      let previous: SourceRange? =
        switch settings.batch {
        case .all(let range)?: range
        case .size(let q)?: q.range
        case nil: nil
        }
      guard once(previous, statement) else { return true }
      if let all = cursor.matchWord("all") {
        cursor.finish(&diagnostics)
        settings.batch = .all(all.range)
      } else {
        guard let size = cursor.quantity("a batch size or 'all'", &diagnostics) else { return true }
        cursor.finish(&diagnostics)
        settings.batch = .size(size)
      }
    case "keep-optimizer":
      noBlock(statement)
      guard once(settings.keepOptimizer, statement) else { return true }
      cursor.finish(&diagnostics, help: "'keep-optimizer' takes no arguments")
      settings.keepOptimizer = statement.name.range
    default:
      return false
    }
    return true
  }

  private mutating func context(_ statement: Statement) {
    noBlock(statement)
    guard once(file.context?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard let mode = cursor.current, mode.kind == .word else {
      cursor.expected("'reset' or 'stream W'", &diagnostics)
      return
    }
    cursor.advance()
    switch mode.text {
    case "reset":
      cursor.finish(&diagnostics)
      file.context = ContextSyntax(kind: .reset, range: statement.range)
    case "stream":
      guard let window = cursor.quantity("the window W (examples)", &diagnostics) else { return }
      cursor.finish(&diagnostics)
      file.context = ContextSyntax(kind: .stream(window), range: statement.range)
    default:
      diagnostics.add(
        .unknownContextMode, "unknown context mode '\(Token.abbreviate(mode.text))'", at: mode.range,
        help: Suggestions.didYouMean(mode.text, among: ["reset", "stream"])
          ?? "write 'context reset' or 'context stream W'")
    }
  }

  private mutating func probe(_ statement: Statement) {
    guard once(file.probe?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard cursor.consumeWord("every", &diagnostics, help: "write 'probe every N steps on SET, …'") != nil,
      let every = cursor.quantity("a number of steps", &diagnostics)
    else { return }
    guard unit(&cursor, allowed: [.steps], what: "'steps'") != nil,
      cursor.consumeWord("on", &diagnostics) != nil,
      let sets = setNames(&cursor)
    else { return }
    cursor.finish(&diagnostics)
    var syntax = ProbeSyntax(every: every, sets: sets, range: statement.range)
    // `probe … { latent }`: the linear readouts of the hidden state (docs/design.md §6.9).
    for inner in statement.block?.statements ?? [] {
      noBlock(inner)
      guard inner.name.text == "latent" else {
        unknown(inner, among: Directives.probe, context: "probe option")
        continue
      }
      guard once(syntax.latent, inner) else { continue }
      var options = ArgumentCursor(inner)
      options.finish(&diagnostics, help: "'latent' takes no arguments")
      syntax.latent = inner.name.range
    }
    file.probe = syntax
  }

  /// `NAME (, NAME)*`: set names only, not expressions.
  private mutating func setNames(_ cursor: inout ArgumentCursor) -> [NameSyntax]? {
    var names: [NameSyntax] = []
    repeat {
      guard let name = setName(&cursor) else { return nil }
      names.append(name)
    } while cursor.match(.comma) != nil
    return names
  }

  /// One set name; an operator or `sample`/`items`/`(` after it means an expression was written.
  private mutating func setName(_ cursor: inout ArgumentCursor) -> NameSyntax? {
    guard let token = cursor.current, token.kind == .word,
      token.text != "sample", token.text != "items"
    else {
      if let token = cursor.current,
        token.kind == .leftParen || token.text == "sample" || token.text == "items"
      {
        diagnostics.add(
          .streamNeedsSetName, "expected a set name, found a set expression", at: token.range,
          help: "define the set first ('set s = …') and use its name here")
      } else {
        cursor.expected("a set name", &diagnostics)
      }
      return nil
    }
    cursor.advance()
    if let op = cursor.current, [.plus, .minus, .ampersand].contains(op.kind) {
      diagnostics.add(
        .streamNeedsSetName, "expected a set name, found a set expression", at: token.range.through(op.range),
        help: "define the set first ('set s = \(token.text) \(op.text) …') and use its name here")
      return nil
    }
    return NameSyntax(text: token.text, range: token.range)
  }

  private mutating func criterion(_ statement: Statement) {
    noBlock(statement)
    guard once(file.criterion?.range, statement) else { return }
    var cursor = ArgumentCursor(statement)
    guard let fraction = cursor.quantity("a percentage such as 90%", &diagnostics),
      cursor.consumeWord("over", &diagnostics, help: "write 'criterion 90% over 3 probes'") != nil,
      let probes = cursor.quantity("a number of probes", &diagnostics)
    else { return }
    guard let word = cursor.current, word.kind == .word, word.text == "probes" || word.text == "probe" else {
      cursor.expected("'probes'", &diagnostics)
      return
    }
    cursor.advance()
    cursor.finish(&diagnostics)
    file.criterion = CriterionSyntax(fraction: fraction, probes: probes, range: statement.range)
  }

  /// A unit word among `allowed`.
  private mutating func unit(
    _ cursor: inout ArgumentCursor, allowed: [LengthUnit], what: String
  ) -> (LengthUnit, SourceRange)? {
    guard let token = cursor.current, token.kind == .word else {
      cursor.expected(what, &diagnostics)
      return nil
    }
    guard let unit = LengthUnit(word: token.text) else {
      diagnostics.add(
        .unknownUnit, "unknown unit '\(Token.abbreviate(token.text))'", at: token.range,
        help: Suggestions.didYouMean(token.text, among: allowed.map(\.rawValue)) ?? "expected \(what)")
      return nil
    }
    guard allowed.contains(unit) else {
      diagnostics.add(.unknownUnit, "expected \(what), found '\(token.text)'", at: token.range)
      return nil
    }
    cursor.advance()
    return (unit, token.range)
  }

  // MARK: - Phases

  private mutating func phase(_ statement: Statement) -> PhaseSyntax? {
    var cursor = ArgumentCursor(statement)
    guard let nameToken = cursor.current,
      nameToken.kind == .string
        || (nameToken.kind == .word && nameToken.text != "for" && nameToken.text != "until")
    else {
      cursor.expected("a phase name", &diagnostics, help: "write 'phase NAME for N steps { … }'")
      return nil
    }
    cursor.advance()
    if nameToken.text.trimmingCharacters(in: .whitespaces).isEmpty {
      diagnostics.add(.emptyName, "the phase name is empty", at: nameToken.range)
      return nil
    }
    let name = NameSyntax(text: nameToken.text, range: nameToken.range)
    var from: NameSyntax? = nil
    if cursor.matchWord("from") != nil {
      guard let parent = phaseReference(&cursor, help: "write 'phase NAME from PHASE for N steps { … }'")
      else { return nil }
      from = parent
    }
    guard let length = phaseLength(&cursor) else { return nil }
    cursor.finish(&diagnostics)
    var syntax = PhaseSyntax(
      name: name, length: length, from: from, headRange: statement.headRange, range: statement.range)
    for inner in statement.block?.statements ?? [] {
      let before = diagnostics.diagnostics.count
      phaseStatement(inner, &syntax)
      if diagnostics.diagnostics.count > before { syntax.hasBrokenStatements = true }
    }
    return syntax
  }

  /// The name of an earlier phase (a word or a quoted string).
  private mutating func phaseReference(_ cursor: inout ArgumentCursor, help: String) -> NameSyntax? {
    guard let token = cursor.current, token.kind == .string || token.kind == .word,
      token.text != "for", token.text != "until"
    else {
      cursor.expected("the name of an earlier phase", &diagnostics, help: help)
      return nil
    }
    cursor.advance()
    return NameSyntax(text: token.text, range: token.range)
  }

  /// `for N UNIT` | `for A..B UNIT` | `until criterion max N steps`.
  private mutating func phaseLength(_ cursor: inout ArgumentCursor) -> PhaseLengthSyntax? {
    let start = cursor.current?.range ?? cursor.insertionPoint
    if cursor.matchWord("for") != nil {
      guard let first = cursor.quantity("a length", &diagnostics) else { return nil }
      var last: QuantitySyntax? = nil
      if cursor.match(.dotDot) != nil {
        guard let value = cursor.quantity("the longest length", &diagnostics) else { return nil }
        last = value
      }
      guard
        let (unit, unitRange) = unit(&cursor, allowed: LengthUnit.allCases, what: "steps, epochs or trials")
      else { return nil }
      let kind: PhaseLengthSyntax.Kind = last.map { .random(first, $0, unit) } ?? .fixed(first, unit)
      return PhaseLengthSyntax(kind: kind, unitRange: unitRange, range: start.through(unitRange))
    }
    if cursor.matchWord("until") != nil {
      guard cursor.consumeWord("criterion", &diagnostics) != nil,
        cursor.consumeWord("max", &diagnostics, help: "write 'until criterion max N steps'") != nil,
        let cap = cursor.quantity("the most steps", &diagnostics),
        let (_, unitRange) = unit(&cursor, allowed: [.steps], what: "'steps'")
      else { return nil }
      return PhaseLengthSyntax(
        kind: .untilCriterion(maxSteps: cap), unitRange: unitRange, range: start.through(unitRange))
    }
    cursor.expected(
      "'for' or 'until' (the phase length)", &diagnostics,
      help: "write 'for N steps', 'for N epochs', 'for A..B steps' or 'until criterion max N steps'")
    return nil
  }

  private mutating func phaseStatement(_ statement: Statement, _ phase: inout PhaseSyntax) {
    var cursor = ArgumentCursor(statement)
    let name = statement.name.text
    // A stream: a built-in target, or any other word followed by `on` (a named convention,
    // which the validator checks).
    let target = TargetKind(word: name)
      ?? (Directives.phase.contains(name) || !cursor.checkWord("on") ? nil : .convention(name))
    if let target {
      noBlock(statement)
      guard cursor.consumeWord("on", &diagnostics, help: "write '\(name) on SET'") != nil,
        let set = setName(&cursor)
      else { return }
      // `with password`, `with noise P`, in either order, or both after one `with`
      // (`with password, noise 20%` is not needed: `with password with noise 20%`).
      var password: SourceRange? = nil
      var noise: QuantitySyntax? = nil
      let usage = "a stream is 'TARGET on SET [with password] [with noise P%]', TARGET one of "
        + "truth, taboo, random, random-answer or a named convention"
      while let with = cursor.matchWord("with") {
        if password == nil, let word = cursor.matchWord("password") {
          password = with.range.through(word.range)
        } else if noise == nil, cursor.matchWord("noise") != nil {
          guard let value = cursor.quantity("a probability such as 20%", &diagnostics) else { return }
          noise = value
        } else {
          let words = (password == nil ? ["password"] : []) + (noise == nil ? ["noise"] : [])
          let typed = cursor.current?.kind == .word ? cursor.current?.text : nil
          if let typed, let token = cursor.current, ["password", "noise"].contains(typed), !words.contains(typed) {
            diagnostics.add(.duplicateDirective, "'with \(typed)' is given twice in one stream", at: token.range,
                            help: "keep one")
            return
          }
          cursor.expected(
            words.map { "'\($0)'" }.joined(separator: " or "), &diagnostics,
            help: typed.flatMap { Suggestions.didYouMean($0, among: words) } ?? usage)
          return
        }
      }
      cursor.finish(&diagnostics, help: usage)
      phase.streams.append(
        StreamSyntax(
          target: target, targetRange: statement.name.range, set: set, password: password, noise: noise,
          range: statement.range))
      return
    }
    switch name {
    case "frozen":
      noBlock(statement)
      guard once(phase.frozen, statement) else { return }
      cursor.finish(&diagnostics, help: "'frozen' takes no arguments")
      phase.frozen = statement.name.range
    case "perturb":
      noBlock(statement)
      guard once(phase.perturb?.range ?? phase.perturbLike?.range, statement) else { return }
      if cursor.matchWord("like") != nil {
        guard let parent = phaseReference(&cursor, help: "write 'perturb like PHASE' or 'perturb like PHASE per tensor'")
        else { return }
        var perTensor: SourceRange? = nil
        if let per = cursor.matchWord("per") {
          guard let word = cursor.consumeWord("tensor", &diagnostics) else { return }
          perTensor = per.range.through(word.range)
        }
        cursor.finish(&diagnostics, help: "write 'perturb like PHASE' or 'perturb like PHASE per tensor'")
        phase.perturbLike = MatchedKickSyntax(phase: parent, perTensor: perTensor, range: statement.range)
        return
      }
      guard let sigma = cursor.quantity("the standard deviation", &diagnostics) else { return }
      cursor.finish(&diagnostics)
      phase.perturb = sigma
    default:
      if !trainSetting(statement, &phase.overrides) {
        unknown(statement, among: Directives.phase, context: "phase statement")
      }
    }
  }

  private mutating func repeatBlock(_ statement: Statement) {
    var cursor = ArgumentCursor(statement)
    guard let count = cursor.quantity("a number of repetitions", &diagnostics) else { return }
    cursor.finish(&diagnostics)
    guard let block = statement.block else {
      diagnostics.add(
        .blockMismatch, "'repeat' needs a block of phases", at: statement.headRange,
        help: "write 'repeat N { phase … }'")
      return
    }
    var phases: [PhaseSyntax] = []
    var broken = false
    for inner in block.statements {
      let before = diagnostics.diagnostics.count
      defer { if diagnostics.diagnostics.count > before { broken = true } }
      switch inner.name.text {
      case "phase":
        if let phase = phase(inner) { phases.append(phase) }
      case "repeat":
        diagnostics.add(
          .misplacedDirective, "'repeat' blocks cannot be nested", at: inner.name.range,
          help: "write the inner phases out, or repeat the whole sequence")
      default:
        if Directives.topLevel.contains(inner.name.text) {
          diagnostics.add(
            .misplacedDirective, "'\(inner.name.text)' is not allowed inside 'repeat'", at: inner.name.range,
            help: "a repeat block holds phases only")
        } else {
          unknown(inner, among: Directives.repeatBlock, context: "statement in 'repeat'")
        }
      }
    }
    file.schedule.append(
      .repeated(
        RepeatSyntax(count: count, phases: phases, hasBrokenStatements: broken, range: statement.range)))
  }
}
