// A small command-line parser, written by hand in the manner of swift-argument-parser: each
// command declares its options and positional arguments; the parser accepts `--flag`,
// `--option value`, `--option=value`, repeated options, `--` before positional arguments that
// start with a dash, and `-h`/`--help`; every mistake becomes a one-line `UsageError` that says
// what was wrong and, where a known name is close, what was meant.

import ScenarioLanguage

/// Process exit codes (sysexits.h where it has one).
enum ExitCode: Int32 {
  case success = 0
  case failure = 1
  /// EX_USAGE: the command line was wrong.
  case usage = 64
  /// EX_DATAERR: a scenario file has errors.
  case badScenario = 65
  /// 128 + SIGINT: stopped by Ctrl-C.
  case interrupted = 130
  case terminated = 143
}

/// One `--name` option of a command.
struct OptionSpec {
  var name: String
  /// The placeholder of its value (`FORMAT`); nil for a flag without value.
  var value: String?
  var help: String
  /// The values it accepts, if it is a choice (`human`, `json`).
  var choices: [String]? = nil
  /// Whether it may be given more than once (`--set a=1 --set b=2`).
  var repeatable = false
  /// Whether the command needs it (shown without brackets in the usage line).
  var required = false

  var isFlag: Bool { value == nil }
}

/// The positional arguments of a command: a name for usage, and how many.
struct PositionalSpec {
  var name: String
  var minimum: Int
  /// nil: any number.
  var maximum: Int?
  var help: String
}

/// What a command accepts, and the text of its `--help`.
struct CommandSpec {
  var name: String
  /// One line for the command list.
  var summary: String
  var positionals: PositionalSpec
  var options: [OptionSpec]
  /// Paragraphs after the option list (exit codes, examples).
  var discussion: String = ""

  var usage: String {
    let count: String =
      switch (positionals.minimum, positionals.maximum) {
      case (1, 1?): positionals.name
      case (0, 1?): "[\(positionals.name)]"
      case (0, _): "[\(positionals.name)…]"
      default: "\(positionals.name)…"
      }
    let options = self.options.map { option in
      let form = option.value.map { "--\(option.name) \($0)" } ?? "--\(option.name)"
      if option.required { return form }
      return option.repeatable ? "[\(form)]…" : "[\(form)]"
    }
    return (["taboo", name, count] + options).joined(separator: " ")
  }

  var help: String {
    var lines = [summary, "", "USAGE: \(usage)", "", "ARGUMENTS:"]
    lines.append(Self.row(positionals.name, positionals.help))
    lines.append("")
    lines.append("OPTIONS:")
    for option in options {
      let form = option.value.map { "--\(option.name) <\($0)>" } ?? "--\(option.name)"
      lines.append(Self.row(form, option.help))
    }
    lines.append(Self.row("-h, --help", "Show this help."))
    if !discussion.isEmpty {
      lines.append("")
      lines.append(discussion)
    }
    return lines.joined(separator: "\n")
  }

  static func row(_ left: String, _ right: String) -> String {
    let padded = left.count < 22 ? left + String(repeating: " ", count: 22 - left.count) : left + "  "
    return "  " + padded + right
  }
}

/// A wrong command line, said in one sentence.
struct UsageError: Error, Equatable {
  var message: String
  var help: String?

  init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }
}

/// The arguments of one command, parsed.
struct ParsedArguments {
  var positionals: [String] = []
  private(set) var values: [String: [String]] = [:]
  /// `--help` was given: show the command's help and do nothing else.
  var wantsHelp = false

  /// The last value given for `--name`, if any.
  func value(_ name: String) -> String? { values[name]?.last }

  /// Every value given for a repeatable `--name`, in order.
  func values(_ name: String) -> [String] { values[name] ?? [] }

  func flag(_ name: String) -> Bool { values[name] != nil }

  mutating func add(_ name: String, _ value: String) { values[name, default: []].append(value) }
}

extension CommandSpec {
  /// Parses the arguments after the command name.
  func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
    var parsed = ParsedArguments()
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
        parsed.positionals.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositionals = true
        continue
      }
      if argument == "-h" || argument == "--help" {
        parsed.wantsHelp = true
        return parsed
      }
      guard argument.hasPrefix("--") else {
        throw UsageError(
          "unknown option '\(argument)' for 'taboo \(name)'",
          help: Self.suggestion(for: "-" + argument, among: options.map { "--\($0.name)" })
            ?? "options are written with two dashes; see 'taboo \(name) --help'")
      }
      var body = argument.dropFirst(2)
      var inlineValue: String? = nil
      if let equals = body.firstIndex(of: "=") {
        inlineValue = String(body[body.index(after: equals)...])
        body = body[..<equals]
      }
      let optionName = String(body)
      guard let option = options.first(where: { $0.name == optionName }) else {
        throw UsageError(
          "unknown option '--\(optionName)' for 'taboo \(name)'",
          help: Self.suggestion(for: "--\(optionName)", among: options.map { "--\($0.name)" })
            ?? "see 'taboo \(name) --help'")
      }
      if !option.repeatable, parsed.values(option.name).count > 0 {
        throw UsageError("option '--\(option.name)' is given twice", help: "give it once")
      }
      if option.isFlag {
        if inlineValue != nil {
          throw UsageError("option '--\(option.name)' takes no value")
        }
        parsed.add(option.name, "")
        continue
      }
      var value: String
      if let inlineValue {
        value = inlineValue
      } else if index < arguments.count, !arguments[index].hasPrefix("--") {
        value = arguments[index]
        index += 1
      } else {
        throw UsageError(
          "option '--\(option.name)' needs a value",
          help: "write '--\(option.name) \(option.value ?? "VALUE")'")
      }
      if let choices = option.choices, !choices.contains(value) {
        throw UsageError(
          "'\(value)' is not a valid value for '--\(option.name)'",
          help: Self.suggestion(for: value, among: choices)
            ?? "choose one of: \(choices.joined(separator: ", "))")
      }
      parsed.add(option.name, value)
    }
    if parsed.positionals.count < positionals.minimum {
      throw UsageError(
        "'taboo \(name)' needs \(positionals.maximum == 1 ? "a" : "at least one") \(positionals.name)",
        help: "usage: \(usage)")
    }
    if let maximum = positionals.maximum, parsed.positionals.count > maximum {
      let extra = parsed.positionals[maximum]
      throw UsageError(
        "unexpected argument '\(extra)': 'taboo \(name)' takes \(maximum == 1 ? "one" : "at most \(maximum)") \(positionals.name)",
        help: "usage: \(usage)")
    }
    for option in options where option.required && parsed.value(option.name) == nil {
      throw UsageError(
        "'taboo \(name)' needs --\(option.name)\(option.value.map { " \($0)" } ?? "")", help: "usage: \(usage)")
    }
    return parsed
  }

  static func suggestion(for word: String, among candidates: [String]) -> String? {
    Suggestions.closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
  }
}
