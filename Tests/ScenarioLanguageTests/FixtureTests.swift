// Every fixture carries its expectations as comments: `# expect-error: LINE:COLUMN CODE` and
// `# expect-warning: LINE:COLUMN CODE`. The checker must report exactly those, no more.

import Foundation
import ScenarioLanguage
import Specification
import Testing

struct FixtureTests {
  /// `error 14:12 E012` for each expectation comment in the text.
  static func expectations(in text: String) -> [String] {
    text.split(whereSeparator: \.isNewline).compactMap { line in
      for severity in ["error", "warning"] {
        let prefix = "# expect-\(severity): "
        if line.hasPrefix(prefix) { return "\(severity) " + line.dropFirst(prefix.count) }
      }
      return nil
    }
  }

  static func actual(_ result: CheckResult) -> [String] {
    result.diagnostics.map {
      "\($0.severity.rawValue) \($0.range.start.line):\($0.range.start.column) \($0.code.rawValue)"
    }
  }

  @Test("error fixtures report exactly their expected errors", arguments: TestFiles.fixtureNames("errors"))
  func errorFixture(_ name: String) throws {
    let source = try TestFiles.fixture("errors", name)
    let expected = Self.expectations(in: source.text)
    #expect(!expected.isEmpty, "\(name) has no expectation comment")
    let result = ScenarioChecker.check(source)
    #expect(Self.actual(result).sorted() == expected.sorted(), "\(name): \(result.diagnostics)")
    #expect(result.scenario == nil)
    // The file name says which code the fixture is about.
    #expect(
      expected.contains { $0.hasSuffix(String(name.prefix(4))) }, "\(name) does not expect its own code")
  }

  @Test(
    "warning fixtures check with exactly their expected warnings",
    arguments: TestFiles.fixtureNames("warnings"))
  func warningFixture(_ name: String) throws {
    let source = try TestFiles.fixture("warnings", name)
    let expected = Self.expectations(in: source.text)
    let result = ScenarioChecker.check(source)
    #expect(Self.actual(result).sorted() == expected.sorted(), "\(name): \(result.diagnostics)")
    #expect(result.scenario != nil, "\(name) should be valid apart from its warnings")
  }

  @Test func fixturesCoverAtLeastFortyDistinctErrors() {
    let names = TestFiles.fixtureNames("errors")
    #expect(names.count >= 40)
    let codes = Set(names.map { $0.prefix(4) })
    #expect(codes.count >= 40, "only \(codes.count) distinct codes")
  }

  @Test func everyCodeHasAFixtureOrADedicatedTest() {
    let covered = Set(
      (TestFiles.fixtureNames("errors") + TestFiles.fixtureNames("warnings")).map { String($0.prefix(4)) })
    // E009 (too many errors) is tested with a generated file in `LexerTests`; E050 (memory) is
    // the simulator's estimate, and its fixtures run through `taboo check` in `MemoryCheckTests`.
    let elsewhere: Set<String> = ["E009", "E050"]
    let missing = DiagnosticCode.allCases.map(\.rawValue).filter { !covered.contains($0) && !elsewhere.contains($0) }
    #expect(missing.isEmpty, "no fixture for \(missing)")
  }
}
