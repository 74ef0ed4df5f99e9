// Bad input never crashes the checker: at least 10,000 deterministic mutations of the shipped
// scenarios (bytes and lines deleted, inserted and duplicated, tokens swapped, truncation,
// random bytes including invalid UTF-8 and NUL, odd numbers), plus the pathological cases (a
// 1 MB line, 10,000 nested braces and parentheses, `1e999`, `-0`). Every diagnostic must carry
// a position inside the file, and rendering it must work too.

import Foundation
import ScenarioLanguage
import Specification
import Randomness
import Testing

/// The fuzz test's only randomness: the project's seeded generator.
typealias FuzzGenerator = SeededGenerator

extension SeededGenerator {
  init(seed: UInt64) { self.init(seed: seed, stream: "fuzz") }

  /// Uniform in 0..<bound (bound > 0).
  mutating func below(_ bound: Int) -> Int { nextInt(below: bound) }
}

enum Mutator {
  static let fragments: [String] = [
    "1e999", "-0", "0", "2.5", "-1", "99999999999999999999", "1e-400", "..", "%", "{", "}", "(", ")", ",",
    ";",
    "=", "+", "-", "&", "\"", "#", "\n", "\r\n", "\r", "\0", "all", "wrong", "sample", "of", "items",
    "repeat 3 {",
    "phase x for 10 steps {", "until criterion max 5 steps", "with password", "frozen", "perturb", "trials",
    "context stream 4", "sweep k = 1, 0", "let k = 2", "set s = all - all", "model lstm 16384",
    "world lookup",
    "taboo on", "é", "\u{301}", "\u{FEFF}", "\u{2028}", "trian", "keep-optimizer", "1000steps", "0..", "..7",
  ]

  /// One random mutation of `bytes`.
  static func mutate(_ bytes: [UInt8], _ random: inout FuzzGenerator) -> [UInt8] {
    var bytes = bytes
    let count = max(bytes.count, 1)
    switch random.below(11) {
    case 0:  // delete a few bytes
      let start = random.below(count)
      let length = 1 + random.below(12)
      bytes.removeSubrange(start..<min(bytes.count, start + length))
    case 1:  // insert random bytes (invalid UTF-8 and NUL included)
      let position = random.below(count + 1)
      let inserted = (0..<(1 + random.below(8))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      bytes.insert(contentsOf: inserted, at: min(position, bytes.count))
    case 2:  // duplicate a byte range
      let start = random.below(count)
      let end = min(bytes.count, start + 1 + random.below(40))
      if start < end { bytes.insert(contentsOf: bytes[start..<end], at: end) }
    case 3, 4:  // delete, duplicate or swap lines
      var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
      guard lines.count > 1 else { break }
      let a = random.below(lines.count)
      let b = random.below(lines.count)
      switch random.below(3) {
      case 0: lines.remove(at: a)
      case 1: lines.insert(lines[a], at: b)
      default: lines.swapAt(a, b)
      }
      bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    case 5:  // swap two tokens
      var words = bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
      guard words.count > 1 else { break }
      words.swapAt(random.below(words.count), random.below(words.count))
      bytes = Array(words.joined(separator: [UInt8(ascii: " ")]))
    case 6:  // truncate
      bytes = Array(bytes.prefix(random.below(count + 1)))
    case 7, 8:  // insert a fragment of the language (or a weird number) somewhere
      let fragment = Array(fragments[random.below(fragments.count)].utf8)
      let position = min(random.below(count + 1), bytes.count)
      bytes.insert(contentsOf: fragment + [UInt8(ascii: " ")], at: position)
    case 9:  // replace a number with a weird one
      guard
        let digit = bytes.indices.filter({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }).randomElement(
          using: &random)
      else { break }
      let weird = ["1e999", "-0", "0", "2.5", "1e400", "-7", "0.0000001", "18446744073709551616"][
        random.below(8)]
      var end = digit
      while end < bytes.count, (bytes[end] >= 0x30 && bytes[end] <= 0x39) || bytes[end] == UInt8(ascii: ".") {
        end += 1
      }
      bytes.replaceSubrange(digit..<end, with: Array(weird.utf8))
    default:  // flip one byte
      if !bytes.isEmpty {
        bytes[random.below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << random.below(8))
      }
    }
    return bytes
  }
}


/// Checks `bytes` and asserts that the checker returned, that every diagnostic's range lies in
/// the file, and (when `render`) that rendering works.
@discardableResult
func checkSurvives(_ bytes: [UInt8], name: String, render: Bool = false) -> CheckResult {
  let source = SourceFile(name: name, bytes: bytes)
  let result = ScenarioChecker.check(source)
  let lengths = lineLengths(of: source.text)
  #expect(lengths.count == source.lineCount, "\(name): line count")
  for diagnostic in result.diagnostics {
    for location in [diagnostic.range.start, diagnostic.range.end] {
      let valid =
        location.line >= 1 && location.line <= lengths.count && location.column >= 1
        && location.column <= lengths[location.line - 1] + 1
      #expect(valid, "\(name): \(diagnostic) has a position outside the file")
    }
    #expect(diagnostic.range.start <= diagnostic.range.end, "\(name): \(diagnostic) ends before it starts")
  }
  if render, let first = result.diagnostics.first {
    #expect(!DiagnosticRenderer().render(first, in: source).isEmpty)
  }
  return result
}

struct FuzzTests {
  static let mutationsPerScenario = 2_200  // × 5 scenarios = 11,000 mutated files

  @Test("mutations of a shipped scenario never crash the checker", arguments: TestFiles.shippedScenarioNames)
  func mutations(_ name: String) throws {
    let original = try TestFiles.shippedBytes(name)
    var random = FuzzGenerator(seed: 0x7AB0 &+ UInt64(name.utf8.count))
    var changed = 0
    for iteration in 0..<Self.mutationsPerScenario {
      var bytes = original
      // Up to four mutations stacked, so later ones hit already broken text.
      for _ in 0..<(1 + random.below(4)) { bytes = Mutator.mutate(bytes, &random) }
      if bytes != original { changed += 1 }
      checkSurvives(bytes, name: "\(name)#\(iteration)", render: iteration % 50 == 0)
    }
    // The fuzzing means something only if the mutator really changes the files.
    #expect(changed >= Self.mutationsPerScenario * 9 / 10, "only \(changed) mutated files differ")
  }

  @Test func pathologicalInputs() throws {
    let base = try TestFiles.shippedBytes("weak-sample-unlocking.taboo")
    var random = FuzzGenerator(seed: 42)
    let megabyte = 1 << 20
    var cases: [(String, [UInt8])] = [
      ("empty", []),
      ("only NUL", [UInt8](repeating: 0, count: 4096)),
      ("random bytes", (0..<65536).map { _ in UInt8(truncatingIfNeeded: random.next()) }),
      ("invalid UTF-8 everywhere", [UInt8](repeating: 0xFF, count: 10_000)),
      ("a lone continuation byte", base + [0x80]),
      ("a truncated multi-byte character", base + [0xE2, 0x82]),
      ("1 MB line of letters", Array(repeating: UInt8(ascii: "a"), count: megabyte)),
      ("1 MB line of digits", Array(repeating: UInt8(ascii: "7"), count: megabyte)),
      ("1 MB string", Array("scenario \"".utf8) + Array(repeating: UInt8(ascii: "x"), count: megabyte)),
      ("1 MB comment", Array("# ".utf8) + Array(repeating: UInt8(ascii: "#"), count: megabyte) + base),
      ("1 MB of tokens on one line", Array(String(repeating: "all + ", count: megabyte / 6).utf8)),
      ("1 MB set expression", Array(("set s = all" + String(repeating: " - all", count: megabyte / 6)).utf8)),
      (
        "1 MB chain of samples",
        Array(("set s = " + String(repeating: "sample 1 of ", count: megabyte / 12) + "all").utf8)
      ),
      (
        "1 MB item list",
        Array(("set s = items " + (0..<150_000).map(String.init).joined(separator: ", ")).utf8)
      ),
      ("1 MB of junk characters", Array(String(repeating: "@$!?", count: megabyte / 4).utf8)),
      ("10,000 opening braces", Array(repeating: UInt8(ascii: "{"), count: 10_000)),
      ("10,000 nested blocks", Array(String(repeating: "a { ", count: 10_000).utf8)),
      (
        "10,000 nested closed blocks",
        Array((String(repeating: "a { ", count: 10_000) + String(repeating: "} ", count: 10_000)).utf8)
      ),
      ("10,000 closing braces", Array(repeating: UInt8(ascii: "}"), count: 10_000)),
      (
        "10,000 parentheses",
        Array(
          ("set s = " + String(repeating: "(", count: 10_000) + "all" + String(repeating: ")", count: 10_000))
            .utf8)
      ),
      ("1e999", base + Array("\nlet big = 1e999\nphase x for 1e999 steps { truth on all }\n".utf8)),
      (
        "-0",
        base + Array("\nlet z = -0\nphase x for -0 steps { truth on all }\nset s = sample -0 of all\n".utf8)
      ),
      (
        "huge sweep",
        base + Array(("\nsweep k = " + (1...5000).map(String.init).joined(separator: ", ")).utf8)
      ),
      (
        "many sweeps", base + Array((0..<20).map { "\nlet p\($0) = 1\nsweep p\($0) = 1, 2, 3" }.joined().utf8)
      ),
      (
        "CRLF line ends",
        Array(String(decoding: base, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
      ),
      (
        "CR line ends",
        Array(String(decoding: base, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r").utf8)
      ),
      ("combining marks", Array("model gru 1\u{301}6 é\u{301}\u{302} \"\u{301}\n".utf8) + base),
      ("byte-order mark", [0xEF, 0xBB, 0xBF] + base),
      (
        "huge numbers",
        Array("world runsum 99999999999 99999999999 { items 1e300 }\nmodel gru 1e18\nseeds 1e15..1e16\n".utf8)
      ),
      ("ten thousand errors", Array(String(repeating: "@\n", count: 10_000).utf8)),
    ]
    cases.append(
      (
        "nested repeats",
        Array((String(repeating: "repeat 2 { ", count: 40) + "phase a for 1 steps { truth on all }").utf8)
      ))
    for (name, bytes) in cases {
      let result = checkSurvives(bytes, name: name, render: true)
      if name != "empty" {
        #expect(
          result.scenario == nil || name.contains("line ends") || name == "byte-order mark"
            || name == "1 MB comment", "\(name)")
      }
    }
  }
}
