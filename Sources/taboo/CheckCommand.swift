// `taboo check FILE…`: parse and validate scenario files without running anything.

import Foundation
import ScenarioLanguage
import Simulation

struct CheckCommand: Command {
  let spec = CommandSpec(
    name: "check",
    summary: "Check scenario files for errors without running them.",
    positionals: PositionalSpec(name: "FILE", minimum: 1, maximum: nil, help: "Scenario files (*.taboo)."),
    options: [
      OptionSpec(
        name: "format", value: "FORMAT",
        help: "human (default): rustc-style messages on stderr; json: one JSON object per line on stdout.",
        choices: ["human", "json"])
    ],
    discussion: """
      EXIT CODES:
        0   every file is valid (warnings allowed)
        1   a file could not be read
        64  the command line is wrong
        65  a file has errors

      JSON FORMAT (one object per line):
        {"file": …, "line": …, "column": …, "end_line": …, "end_column": …, "severity": "error",
         "code": "E012", "message": …, "help": … or null, "notes": […]}
        Lines and columns are 1-based, columns count characters, the end is exclusive. A file
        that cannot be read gives an object with null positions and a null code.
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let json = arguments.value("format") == "json"
    let renderer = DiagnosticRenderer(colors: console.errorColors)
    var unreadable = false
    var invalid = false
    for path in arguments.positionals {
      let source: SourceFile
      switch ScenarioInput.read(path) {
      case .failure(let problem):
        unreadable = true
        if json {
          console.out(JSONLine.problem(problem))
        } else {
          console.error("error: \(problem.sentence)")
        }
        continue
      case .success(let file):
        source = file
      }
      let result = ScenarioChecker.check(source, model: StaticModel())
      invalid = invalid || result.hasErrors
      if json {
        for diagnostic in result.diagnostics { console.out(JSONLine.diagnostic(diagnostic, file: path)) }
        continue
      }
      if !result.diagnostics.isEmpty {
        console.error(renderer.render(result.diagnostics, in: source) + "\n")
      }
      let summary = Self.summary(errors: result.errors.count, warnings: result.warnings.count)
      if result.hasErrors {
        console.error("error: '\(path)' has \(summary)")
      } else {
        console.out(result.warnings.isEmpty ? "\(path): ok" : "\(path): ok, \(summary)")
      }
    }
    if unreadable { return .failure }
    return invalid ? .badScenario : .success
  }

  /// `2 errors and 1 warning`, `1 warning`.
  static func summary(errors: Int, warnings: Int) -> String {
    var parts: [String] = []
    if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
    if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
    return parts.isEmpty ? "no problems" : parts.joined(separator: " and ")
  }
}

/// One JSON object per line, keys in a fixed order, for editors and scripts.
enum JSONLine {
  static func diagnostic(_ diagnostic: Diagnostic, file: String) -> String {
    object([
      ("file", string(file)),
      ("line", "\(diagnostic.range.start.line)"),
      ("column", "\(diagnostic.range.start.column)"),
      ("end_line", "\(diagnostic.range.end.line)"),
      ("end_column", "\(diagnostic.range.end.column)"),
      ("severity", string(diagnostic.severity.rawValue)),
      ("code", string(diagnostic.code.rawValue)),
      ("message", string(diagnostic.message)),
      ("help", diagnostic.help.map(string) ?? "null"),
      ("notes", "[" + diagnostic.notes.map(string).joined(separator: ",") + "]"),
    ])
  }

  static func problem(_ problem: ScenarioInput.Problem) -> String {
    object([
      ("file", string(problem.path)), ("line", "null"), ("column", "null"), ("end_line", "null"),
      ("end_column", "null"), ("severity", string("error")), ("code", "null"),
      ("message", string(problem.sentence)), ("help", "null"), ("notes", "[]"),
    ])
  }

  private static func object(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
  }

  /// A JSON string literal (RFC 8259 escapes).
  static func string(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
