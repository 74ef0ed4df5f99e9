import Foundation

/// The built `taboo` executable, run as a real process.
enum Taboo {
  /// The executable beside the test bundle (`.build/<configuration>/taboo`).
  static let executable: URL = {
    var candidates: [URL] = []
    if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
      candidates.append(bundle.appendingPathComponent("taboo"))
    }
    let arguments0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    candidates.append(arguments0.appendingPathComponent("taboo"))
    candidates.append(arguments0.deletingLastPathComponent().appendingPathComponent("taboo"))
    for configuration in ["release", "debug"] {
      candidates.append(repository.appendingPathComponent(".build/\(configuration)/taboo"))
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? candidates.last!
  }()

  /// The repository's root (for `scenarios/`).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func scenario(_ name: String) -> String {
    repository.appendingPathComponent("scenarios/\(name)").path
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `taboo ARGUMENTS` to completion in `directory`.
  @discardableResult
  static func run(_ arguments: [String], in directory: URL? = nil) throws -> Output {
    let process = start(arguments, in: directory)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty process never blocks on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }

  /// A configured, not yet started process (for tests that signal it).
  static func start(_ arguments: [String], in directory: URL? = nil) -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    return process
  }
}

/// A fresh temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("taboo-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
  func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
