// Runs the built `taboo` executable as a real process. The binary sits next to the test bundle
// in the products directory (`.build/<triple>/<configuration>/`), in debug and release alike.

import Foundation
import Specification
import Testing

/// The `taboo` executable under test.
enum Taboo {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The products directory of this build: where the test binary (or bundle) is.
  static let executable: URL = {
    var candidates: [URL] = []
    if let path = ProcessInfo.processInfo.environment["TABOO_BINARY"] {
      candidates.append(URL(fileURLWithPath: path))
    }
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(testBinary.deletingLastPathComponent().appendingPathComponent("taboo"))
    for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
      candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("taboo"))
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent("taboo"))
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    #if DEBUG
      candidates.append(root.appendingPathComponent(".build/debug/taboo"))
    #else
      candidates.append(root.appendingPathComponent(".build/release/taboo"))
    #endif
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }()

  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func scenario(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("scenarios").appendingPathComponent(name).path
  }

  /// A process for `taboo ARGUMENTS`, not started yet (colours off), for tests that signal it.
  static func start(_ arguments: [String]) -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    return process
  }

  /// Runs `taboo ARGUMENTS` and waits; output goes through files so a large one cannot block.
  @discardableResult
  /// - Parameter launcher: a program and its arguments that start taboo (e.g. `setpriv` to run
  ///   it as another user); nil: taboo itself.
  static func run(
    _ arguments: [String], environment: [String: String] = [:], launcher: [String]? = nil
  ) throws -> Output {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "taboo-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    if let launcher, let program = launcher.first {
      process.executableURL = URL(fileURLWithPath: program)
      process.arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
    } else {
      process.executableURL = executable
      process.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Output(
      status: process.terminationStatus,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }
}

/// A temporary directory for files a test writes, removed at the end.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "taboo-cli-files-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The path of `name` inside the directory (not created).
  func path(_ name: String) -> String {
    url.appendingPathComponent(name).path
  }

  /// Writes `text` to `name` inside the directory; returns its path.
  func file(_ name: String, _ text: String) throws -> String {
    let path = path(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Removes the directory now (it is also removed when the value goes away).
  func cleanUp() {
    try? FileManager.default.removeItem(at: url)
  }

  deinit { cleanUp() }
}
