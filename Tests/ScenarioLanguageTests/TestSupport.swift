// Shared helpers: the fixtures in the test bundle and the shipped scenarios in the source tree.

import Foundation
import ScenarioLanguage

enum TestFiles {
  /// `Fixtures/<folder>`, copied into the test bundle.
  static func fixtureDirectory(_ folder: String) -> URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(folder)
  }

  /// The fixture file names of a folder, sorted.
  static func fixtureNames(_ folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory(folder).path)) ?? []
    return names.filter { $0.hasSuffix(".taboo") }.sorted()
  }

  static func fixture(_ folder: String, _ name: String) throws -> SourceFile {
    let data = try Data(contentsOf: fixtureDirectory(folder).appendingPathComponent(name))
    return SourceFile(name: name, bytes: Array(data))
  }

  /// The repository's `scenarios/` directory (tests run from the source tree).
  static let scenariosDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("scenarios")

  static let shippedScenarioNames = [
    "weak-sample-unlocking.taboo", "unlocking-controls.taboo", "serial-reversal.taboo", "two-items.taboo",
    "in-context-reversal.taboo", "weight-space-reversal.taboo", "explanations.taboo",
    // The same experiments with an LSTM and a transformer.
    "networks/lstm-unlocking-controls.taboo", "networks/transformer-unlocking-controls.taboo",
    "networks/lstm-serial-reversal.taboo", "networks/transformer-serial-reversal.taboo",
    "networks/lstm-in-context-reversal.taboo", "networks/transformer-in-context-reversal.taboo",
    "networks/lstm-weak-sample-unlocking.taboo", "networks/transformer-weak-sample-unlocking.taboo",
  ]

  static func shippedBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: scenariosDirectory.appendingPathComponent(name)))
  }

  static func shipped(_ name: String) throws -> Scenario {
    let result = ScenarioChecker.check(SourceFile(name: name, bytes: try shippedBytes(name)))
    guard let scenario = result.scenario else {
      throw Failure("\(name) does not check: \(result.diagnostics)")
    }
    return scenario
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}

/// The lines of decoded text, split exactly as the language splits them ("\n", "\r\n", "\r").
func lineLengths(of text: String) -> [Int] {
  var lengths: [Int] = []
  var current = 0
  for character in text {
    if character.asciiValue == 10 || character.asciiValue == 13 {  // "\n", "\r\n" (value 10), "\r"
      lengths.append(current)
      current = 0
    } else {
      current += 1
    }
  }
  lengths.append(current)
  return lengths
}
