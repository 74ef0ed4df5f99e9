// `taboo check` and the command line itself, end to end through a real process.

import Foundation
import Specification
import Testing

#if canImport(Glibc)
  import Glibc
#endif

struct CheckCommandTests {
  static let shipped = [
    "weak-sample-unlocking.taboo", "unlocking-controls.taboo", "serial-reversal.taboo", "two-items.taboo",
    "in-context-reversal.taboo", "weight-space-reversal.taboo", "explanations.taboo",
    // The same experiments with an LSTM and a transformer.
    "networks/lstm-unlocking-controls.taboo", "networks/transformer-unlocking-controls.taboo",
    "networks/lstm-serial-reversal.taboo", "networks/transformer-serial-reversal.taboo",
    "networks/lstm-in-context-reversal.taboo", "networks/transformer-in-context-reversal.taboo",
    "networks/lstm-weak-sample-unlocking.taboo", "networks/transformer-weak-sample-unlocking.taboo",
  ]

  static let broken = """
    world runsum 5 6 { items 384; convention weak 0.25; password }
    set test = sample 25% of all
    set train = all - test
    model gru 16
    probe every 10 steps on test, train
    phase learn for 100 steps { truth on trian }
    """

  @Test func shippedScenariosCheck() throws {
    let output = try Taboo.run(["check"] + Self.shipped.map(Taboo.scenario))
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.split(separator: "\n").count == Self.shipped.count)
    #expect(output.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix(": ok") })
    #expect(output.stderr.isEmpty)
  }

  @Test func errorsExitWith65AndReadLikeRustc() throws {
    let files = try TemporaryDirectory()
    let path = try files.file("broken.taboo", Self.broken)
    let output = try Taboo.run(["check", path])
    #expect(output.status == 65)
    #expect(output.stderr.contains("error[E012]: unknown set 'trian'"))
    #expect(output.stderr.contains("--> \(path):6:38"))
    #expect(output.stderr.contains("6 | phase learn for 100 steps { truth on trian }"))
    #expect(output.stderr.contains("|                                      ^^^^^"))
    #expect(output.stderr.contains("= help: did you mean 'train'?"))
    #expect(output.stderr.contains("error: '\(path)' has 1 error"))
    #expect(output.stdout.isEmpty)
  }

  @Test func oneBadFileAmongGoodOnesStill65() throws {
    let files = try TemporaryDirectory()
    let path = try files.file("broken.taboo", Self.broken)
    let output = try Taboo.run(["check", Taboo.scenario("two-items.taboo"), path])
    #expect(output.status == 65)
    #expect(output.stdout.contains("two-items.taboo: ok"))
  }

  @Test func warningsAloneExitZero() throws {
    let files = try TemporaryDirectory()
    let text = Self.broken.replacingOccurrences(of: "trian", with: "train") + "set spare = sample 3 of all\n"
    let output = try Taboo.run(["check", try files.file("warn.taboo", text)])
    #expect(output.status == 0)
    #expect(output.stderr.contains("warning[W001]: the set 'spare' is never used"))
    #expect(output.stdout.contains(": ok, 1 warning"))
  }

  @Test func jsonLines() throws {
    let files = try TemporaryDirectory()
    let path = try files.file("broken.taboo", Self.broken + "lr 3\n")
    let output = try Taboo.run(["check", "--format", "json", path])
    #expect(output.status == 65)
    #expect(output.stderr.isEmpty)
    let lines = output.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    #expect(objects[0]["file"] as? String == path)
    #expect(objects[0]["line"] as? Int == 6)
    #expect(objects[0]["column"] as? Int == 38)
    #expect(objects[0]["end_line"] as? Int == 6)
    #expect(objects[0]["end_column"] as? Int == 43)
    #expect(objects[0]["severity"] as? String == "error")
    #expect(objects[0]["code"] as? String == "E012")
    #expect(objects[0]["message"] as? String == "unknown set 'trian'")
    #expect(objects[0]["help"] as? String == "did you mean 'train'?")
    #expect(objects[1]["code"] as? String == "E017")
    // the key order is fixed
    #expect(lines[0].hasPrefix("{\"file\":"))
  }

  @Test func jsonWithEqualsAndNoDiagnostics() throws {
    let output = try Taboo.run(["check", "--format=json", Taboo.scenario("serial-reversal.taboo")])
    #expect(output.status == 0)
    #expect(output.stdout.isEmpty)
  }

  @Test func jsonForAMissingFile() throws {
    let output = try Taboo.run(["check", "--format", "json", "/nonexistent/x.taboo"])
    #expect(output.status == 1)
    let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as! [String: Any]
    #expect(object["message"] as? String == "'/nonexistent/x.taboo' does not exist.")
    #expect(object["line"] is NSNull)
  }

  // MARK: - File problems: one clear sentence each

  @Test func emptyFile() throws {
    let files = try TemporaryDirectory()
    let output = try Taboo.run(["check", try files.file("empty.taboo", "")])
    #expect(output.status == 65)
    #expect(output.stderr.contains("error[E008]: the file is empty"))
    #expect(output.stderr.contains("help: a scenario needs at least a 'world', a 'model' and a 'phase'"))
  }

  @Test func commentOnlyFile() throws {
    let files = try TemporaryDirectory()
    let output = try Taboo.run(["check", try files.file("c.taboo", "# nothing yet\n")])
    #expect(output.status == 65)
    #expect(output.stderr.contains("error[E008]: the file holds only comments"))
  }

  @Test func directory() throws {
    let files = try TemporaryDirectory()
    let output = try Taboo.run(["check", files.url.path])
    #expect(output.status == 1)
    #expect(
      output.stderr
        == "error: '\(files.url.path)' is a directory, not a scenario file; give the .taboo files in it.\n")
  }

  @Test func missingFile() throws {
    let output = try Taboo.run(["check", "/nonexistent/x.taboo"])
    #expect(output.status == 1)
    #expect(output.stderr == "error: '/nonexistent/x.taboo' does not exist.\n")
  }

  @Test func unreadableFile() throws {
    let files = try TemporaryDirectory()
    // A socket cannot be opened for reading, even by root.
    let socketPath = files.url.appendingPathComponent("socket.taboo").path
    #expect(makeSocket(at: socketPath))
    let output = try Taboo.run(["check", socketPath])
    #expect(output.status == 1)
    #expect(output.stderr.hasPrefix("error: '\(socketPath)' cannot be read: "))
    #expect(output.stderr.split(separator: "\n").count == 1)
    // Without read permission (meaningless as root, who may read anything).
    if getuid() != 0 {
      let path = try files.file("locked.taboo", Self.broken)
      chmod(path, 0)
      let locked = try Taboo.run(["check", path])
      #expect(locked.status == 1)
      #expect(locked.stderr == "error: '\(path)' cannot be read: permission denied.\n")
    }
  }

  @Test func infiniteFileIsRefused() throws {
    let output = try Taboo.run(["check", "/dev/zero"])
    #expect(output.status == 1)
    #expect(output.stderr.contains("too large for a scenario file"))
  }

  // MARK: - Usage

  @Test(arguments: [
    (["check"], "error: 'taboo check' needs at least one FILE"),
    (["check", "--fromat", "json", "x"], "help: did you mean '--format'?"),
    (["check", "--format", "jsn", "x"], "help: did you mean 'json'?"),
    (["check", "--format"], "error: option '--format' needs a value"),
    (["check", "-x", "a.taboo"], "error: unknown option '-x' for 'taboo check'"),
    (["check", "--format", "json", "--format", "human", "x"], "error: option '--format' is given twice"),
    (["chek", "x"], "help: did you mean 'check'?"),
    (["explian"], "help: did you mean 'explain'?"),
    (["explain", "a", "b"], "error: unexpected argument 'b'"),
    ([], "USAGE: taboo <command>"),
  ])
  func badUsageExits64(_ arguments: [String], _ expected: String) throws {
    let output = try Taboo.run(arguments)
    #expect(output.status == 64)
    #expect(output.stderr.contains(expected), "\(output.stderr)")
  }

  @Test func helpEverywhere() throws {
    let main = try Taboo.run(["--help"])
    #expect(main.status == 0)
    #expect(main.stdout.contains("check  "))
    #expect(main.stdout.contains("explain  "))
    for arguments in [["check", "--help"], ["help", "check"], ["check", "-h"]] {
      let output = try Taboo.run(arguments)
      #expect(output.status == 0)
      #expect(output.stdout.contains("USAGE: taboo check FILE… [--format FORMAT]"))
      #expect(output.stdout.contains("65  a file has errors"))
    }
    let explain = try Taboo.run(["explain", "--help"])
    #expect(explain.stdout.contains("--set <NAME=VALUE>"))
  }

  @Test func doubleDashEndsOptions() throws {
    let output = try Taboo.run(["check", "--", "--format"])
    #expect(output.status == 1)
    #expect(output.stderr.contains("'--format' does not exist."))
  }
}

/// Creates a UNIX socket file at `path` (a file that exists but cannot be opened for reading).
func makeSocket(at path: String) -> Bool {
  #if os(Linux)
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
  #else
    let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
  #endif
  guard descriptor >= 0 else { return false }
  defer { close(descriptor) }
  var address = sockaddr_un()
  address.sun_family = sa_family_t(AF_UNIX)
  let bytes = Array(path.utf8) + [0]
  guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { return false }
  withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
  let result = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
    }
  }
  return result == 0
}

/// The memory a run needs is the simulator's to estimate (`StaticModel`); `taboo check` asks it,
/// so these fixtures, whose expectations are written inside them, run through the CLI.
@Suite("taboo check: the simulator's memory estimate")
struct MemoryCheckTests {
  @Test("a run that would not fit in memory is error E050 at the model", arguments: [
    "E050-memory.taboo", "E050-memory-batch.taboo", "E050-stream-lanes-beyond-items.taboo",
  ])
  func memory(_ name: String) throws {
    let path = Taboo.repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures").appendingPathComponent(name).path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let expected = try #require(text.split(separator: "\n").first { $0.hasPrefix("# expect-error:") })
    let parts = expected.split(separator: " ")  // "#", "expect-error:", "6:1", "E050"
    let output = try Taboo.run(["check", path])
    #expect(output.status == 65)
    #expect(output.stderr.contains("error[\(parts[3])]"), "\(output.stderr)")
    #expect(output.stderr.contains("\(name):\(parts[2])"), "\(output.stderr)")
    #expect(output.stderr.contains("above the limit of 4 GiB"), "\(output.stderr)")
  }
}
