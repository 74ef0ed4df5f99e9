// The fixed words of the language: kinds, units, targets, and which directives each block
// accepts (for "unknown directive" and did-you-mean).

import Specification

/// `world KIND …`.
enum WorldWord: String, Sendable, Equatable, CaseIterable {
  case runsum, modsum, lookup

  /// The positional arguments after the kind, for messages (`runsum P L`).
  var argumentNames: [String] {
    switch self {
    case .runsum: return ["P", "L"]
    case .modsum: return ["P"]
    case .lookup: return ["N"]
    }
  }
}

extension LengthUnit {
  /// Accepts the plural and the singular (`for 1 epoch`).
  init?(word: String) {
    switch word {
    case "steps", "step": self = .steps
    case "epochs", "epoch": self = .epochs
    case "trials", "trial": self = .trials
    default: return nil
    }
  }
}

enum ConventionKind: String, CaseIterable {
  case weak, shift, constant, scramble
}

/// Directive names by the block they belong to.
enum Directives {
  static let topLevel = [
    "scenario", "world", "let", "sweep", "seeds", "set", "model", "train", "context", "probe",
    "criterion", "phase", "repeat",
  ]
  static let world = ["items", "convention", "password", "length", "vocab", "classes"]
  static let model = ["embedding", "layers", "heads", "ff"]
  static let probe = ["latent"]
  static let train = ["optimizer", "batch"] + TrainingSettings.numeric.map(\.word) + ["keep-optimizer"]
  static let streams = TargetKind.builtIn.map(\.rawValue) + ["random-all"]
  static let phase = streams + train + ["frozen", "perturb"]
  static let repeatBlock = ["phase"]

  /// Where a directive belongs, for "`lr` goes inside …" help.
  static func home(of name: String) -> String? {
    if topLevel.contains(name) { return "at the top level of the file" }
    if world.contains(name) { return "inside 'world … { }'" }
    if model.contains(name) { return "inside 'model … { }'" }
    if probe.contains(name) { return "inside 'probe … { }'" }
    if train.contains(name) { return "inside 'train { }' or a phase" }
    if phase.contains(name) { return "inside a phase" }
    return nil
  }
}

/// Words that are never names of sets or parameters.
enum Keywords {
  static let reserved: Set<String> = [
    "all", "wrong", "sample", "of", "items", "on", "with", "password", "for", "until", "criterion",
    "max", "every", "over", "steps", "step", "epochs", "epoch", "trials", "trial", "probes", "probe",
  ]
}
