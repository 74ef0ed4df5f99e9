// Reading a scenario file from disk. Every way a path can fail to be a readable file becomes one
// sentence (never a stack trace), and nothing unbounded is read: `/dev/zero` is refused.

import Foundation
import ScenarioLanguage

enum ScenarioInput {
  /// Files larger than this are not scenarios.
  static let maximumBytes = 16 << 20

  /// Why a path could not be read, as one sentence.
  struct Problem: Error, Equatable {
    var path: String
    var sentence: String
  }

  /// The file at `path`, or the sentence that says why it cannot be read.
  static func read(_ path: String) -> Result<SourceFile, Problem> {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return .failure(Problem(path: path, sentence: "'\(path)' does not exist."))
    }
    if isDirectory.boolValue {
      return .failure(
        Problem(
          path: path, sentence: "'\(path)' is a directory, not a scenario file; give the .taboo files in it.")
      )
    }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno)).lowercased()
      return .failure(Problem(path: path, sentence: "'\(path)' cannot be read: \(reason)."))
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno)).lowercased()
        return .failure(Problem(path: path, sentence: "'\(path)' cannot be read: \(reason)."))
      }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
      if bytes.count > maximumBytes {
        return .failure(
          Problem(
            path: path,
            sentence: "'\(path)' is larger than \(maximumBytes >> 20) MiB, too large for a scenario file."))
      }
    }
    return .success(SourceFile(name: path, bytes: bytes))
  }
}
