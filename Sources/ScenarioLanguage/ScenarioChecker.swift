// The one entry point: source in, scenario and diagnostics out. Lexing, parsing, interpreting
// the directives and validating each run over whatever the stage before produced, so a file with
// many problems reports them all at once.

import Specification

/// The outcome of checking one file.
public struct CheckResult: Sendable {
  /// The scenario, when the file has no errors (warnings allowed).
  public var scenario: Scenario?
  /// Every problem found, in source order (errors and warnings interleaved).
  public var diagnostics: [Diagnostic]

  public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
  public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// What the simulator can tell of a run before it starts, asked by `check` for every checked
/// sweep point of a scenario without errors (the language itself does not model the simulator).
public protocol RunModel: Sendable {
  /// The problems a run of `spec` would have; empty when it can run.
  func problems(of spec: RunSpec) -> [RunProblem]
}

/// A problem that `RunModel` found: an error at the `model` statement (the run's network and
/// batch are what it is about).
public struct RunProblem: Sendable, Equatable {
  public var code: DiagnosticCode
  public var message: String
  public var notes: [String]
  public var help: String?

  public init(code: DiagnosticCode, message: String, notes: [String] = [], help: String? = nil) {
    self.code = code
    self.message = message
    self.notes = notes
    self.help = help
  }
}

public enum ScenarioChecker {
  /// Checks a scenario file. Never traps, whatever the input.
  /// - Parameter overrides: `--set NAME=VALUE` values; each replaces a `let` value and fixes a
  ///   swept parameter to that one value. Names that are not parameters are ignored here (see
  ///   `Scenario.parameters` to report them).
  /// - Parameter model: the simulator's model of a run; without it nothing that needs the
  ///   simulator (the memory a run needs) is checked.
  public static func check(
    _ source: SourceFile, overrides: [String: Double] = [:], model: (any RunModel)? = nil
  ) -> CheckResult {
    var diagnostics = DiagnosticSink()
    if let location = source.firstInvalidByte {
      // One error, not one per garbled character: what follows is not the text the author wrote.
      diagnostics.add(
        .invalidUTF8, "the file is not valid UTF-8 (the first invalid byte is here)",
        at: SourceRange(start: location, end: location), help: "save the file as UTF-8")
      return CheckResult(scenario: nil, diagnostics: diagnostics.diagnostics)
    }
    let tokens = Lexer.tokenize(source, into: &diagnostics)
    let statements = Parser.parse(tokens, into: &diagnostics)
    let syntax = DirectiveParser.parse(statements, into: &diagnostics)
    var scenario = Validator.validate(syntax, source: source, overrides: overrides, into: &diagnostics)
    if let model, let checked = scenario, let statement = syntax.model, !diagnostics.hasErrors {
      var seen = Set<String>()
      for point in checked.sweepPoints.prefix(Limits.checkedSweepPoints) {
        for problem in model.problems(of: checked.resolved(at: point)) where seen.insert(problem.message).inserted {
          let at = point.assignments.isEmpty ? [] : ["at the sweep point \(point)"]
          diagnostics.add(
            Diagnostic(problem.code, problem.message, at: statement.range, notes: problem.notes + at, help: problem.help))
        }
      }
      if diagnostics.hasErrors { scenario = nil }
    }
    var ordered = diagnostics.diagnostics
    // The cap note stays last; everything else in source order.
    let cap = ordered.last?.code == .tooManyErrors ? ordered.removeLast() : nil
    ordered = ordered.enumerated().sorted {
      ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset)
    }.map(\.element)
    if let cap { ordered.append(cap) }
    return CheckResult(scenario: diagnostics.hasErrors ? nil : scenario, diagnostics: ordered)
  }

  /// Checks scenario text (for tests and tools); `name` is the file name diagnostics show.
  public static func check(
    text: String, name: String = "scenario.taboo", overrides: [String: Double] = [:],
    model: (any RunModel)? = nil
  ) -> CheckResult {
    check(SourceFile(name: name, text: text), overrides: overrides, model: model)
  }
}
