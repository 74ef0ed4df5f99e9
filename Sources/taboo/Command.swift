// What every subcommand is: a spec (name, arguments, help) and a `run` that writes to a console
// and returns an exit code. Adding a command is one new file with a type conforming to
// `Command`, plus one line in the table in main.swift.

import Foundation

protocol Command: Sendable {
  var spec: CommandSpec { get }
  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode
}

/// Standard output and standard error, and whether each is a terminal.
struct Console: Sendable {
  var outputIsTerminal: Bool
  var errorIsTerminal: Bool

  static let standard = Console(
    outputIsTerminal: isatty(STDOUT_FILENO) == 1, errorIsTerminal: isatty(STDERR_FILENO) == 1)

  /// Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org).
  var errorColors: Bool {
    errorIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
  }

  func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  func error(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// `error: MESSAGE` and an optional `help:` line, on standard error.
  func usageError(_ error: UsageError) {
    self.error("error: \(error.message)")
    if let help = error.help { self.error("help: \(help)") }
  }
}
