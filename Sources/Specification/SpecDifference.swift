// What changed between two versions of a batch's specification, said the way a user wrote it
// (`lr 0.003 → 0.001 in phase lock`), so that a database refused for a changed scenario says why.
// A batch is identified by its run specifications (every sweep point, resolved), not by the bytes
// of its file: comments and layout do not count.

extension RunSpec {
  /// The first difference that changes results, or nil when `other` runs the same way. The
  /// display name and the parameter table are not compared (a parameter matters only where it
  /// is used, and there it shows as the value it gives).
  public func firstDifference(from old: RunSpec) -> String? {
    func change<T: Equatable>(_ what: String, _ a: T, _ b: T, _ show: (T) -> String) -> String? {
      a == b ? nil : "\(what) \(show(a)) → \(show(b))"
    }
    if let d = change("the world", old.world, world, WorldSpec.describe) { return d }
    if old.sets != sets {
      for (a, b) in zip(old.sets, sets) where a != b {
        return a.name == b.name ? "the definition of the set '\(a.name)' changed" : "the set '\(a.name)' became '\(b.name)'"
      }
      return "the sets changed: \(old.sets.map(\.name).joined(separator: ", ")) → \(sets.map(\.name).joined(separator: ", "))"
    }
    if let d = change("the model", old.model, model, { m in
      m.transformer.map { "transformer \(m.hidden) (\($0.layers) layers, \($0.heads) heads, ff \($0.feedForward))" }
        ?? "\(m.cell.rawValue) \(m.hidden) (embedding \(m.embedding))"
    }) {
      return d
    }
    if let d = change("the context", old.context, context, { $0.window.map { "stream \($0)" } ?? "reset" }) { return d }
    if let d = change("the probes", old.probe, probe, { p in
      p.map { "every \($0.everySteps) steps on \($0.sets.joined(separator: ", "))\($0.latent ? " { latent }" : "")" }
        ?? "none"
    }) { return d }
    if let d = change("the criterion", old.criterion, criterion, {
      "\(formatNumber(($0.fraction * 1e8).rounded() / 1e6))% over \($0.probes) probes"
    }) { return d }
    if old.phases.count != phases.count {
      return "the schedule has \(phases.count) phases instead of \(old.phases.count)"
    }
    for (a, b) in zip(old.phases, phases) where a != b {
      let place = "in phase \(b.displayName)"
      if a.name != b.name || a.repeatIndex != b.repeatIndex { return "phase \(a.displayName) became \(b.displayName)" }
      if a.length != b.length { return "the length \(PhaseSpec.describe(a.length)) → \(PhaseSpec.describe(b.length)) \(place)" }
      if a.streams != b.streams {
        return "the streams \(PhaseSpec.describe(a.streams)) → \(PhaseSpec.describe(b.streams)) \(place)"
      }
      if a.frozen != b.frozen { return b.frozen ? "\(b.displayName) became frozen" : "\(b.displayName) is no longer frozen" }
      if a.perturb != b.perturb {
        return "perturb \(a.perturb.map(formatNumber) ?? "none") → \(b.perturb.map(formatNumber) ?? "none") \(place)"
      }
      if let d = a.training.firstDifference(from: b.training) { return "\(d) \(place)" }
    }
    return nil
  }
}

extension TrainingSettings {
  /// `lr 0.003 → 0.001`, or nil when equal.
  func firstDifference(from new: TrainingSettings) -> String? {
    if optimizer != new.optimizer { return "optimizer \(optimizer.rawValue) → \(new.optimizer.rawValue)" }
    if batch != new.batch { return "batch \(batch.size.map(String.init) ?? "all") → \(new.batch.size.map(String.init) ?? "all")" }
    for setting in TrainingSettings.numeric where self[keyPath: setting.keyPath] != new[keyPath: setting.keyPath] {
      let show = { (v: Double?) in v.map(formatNumber) ?? "none" }
      return "\(setting.word) \(show(self[keyPath: setting.keyPath])) → \(show(new[keyPath: setting.keyPath]))"
    }
    if keepOptimizer != new.keepOptimizer { return new.keepOptimizer ? "keep-optimizer added" : "keep-optimizer removed" }
    return nil
  }
}

extension WorldSpec {
  static func describe(_ world: WorldSpec) -> String {
    var text: String
    switch world.kind {
    case .runsum(let p, let l): text = "runsum \(p) \(l)"
    case .modsum(let p): text = "modsum \(p)"
    case .lookup(let n, let l, let v, let c): text = "lookup \(n) (length \(l), vocab \(v), classes \(c))"
    }
    text += " with \(world.items) items"
    if let convention = world.convention { text += ", convention \(convention)" }
    for extra in world.conventions { text += ", convention \(extra.name) \(extra.convention)" }
    return text + (world.password ? ", password" : "")
  }
}

extension PhaseSpec {
  static func describe(_ length: PhaseLength) -> String {
    switch length {
    case .steps(let n): "\(n) steps"
    case .epochs(let n): "\(n) epochs"
    case .trials(let n): "\(n) trials"
    case .randomSteps(let r): "\(r.lowerBound)..\(r.upperBound) steps"
    case .randomEpochs(let r): "\(r.lowerBound)..\(r.upperBound) epochs"
    case .randomTrials(let r): "\(r.lowerBound)..\(r.upperBound) trials"
    case .untilCriterion(let cap): "until criterion max \(cap) steps"
    }
  }

  static func describe(_ streams: [StreamSpec]) -> String {
    "'" + streams.map { "\($0.target.rawValue) on \($0.set)\($0.password ? " with password" : "")" }
      .joined(separator: "; ") + "'"
  }
}

/// The identity of a batch: its run specifications at every sweep point, in a canonical text
/// form (sorted JSON keys), without the display name.
public struct BatchIdentity: Sendable, Equatable {
  public var specs: [RunSpec]

  public init(specs: [RunSpec]) {
    self.specs = specs.map { var spec = $0; spec.name = ""; return spec }
  }

  /// What changed from `old` to this one, or nil when results would be the same.
  public func change(from old: BatchIdentity) -> String? {
    if old.specs.count != specs.count || zip(old.specs, specs).contains(where: { $0.point != $1.point }) {
      let points = { (s: [RunSpec]) in s.map { $0.point.description }.joined(separator: "; ") }
      return "the sweep points changed: \(points(old.specs)) → \(points(specs))"
    }
    for (a, b) in zip(old.specs, specs) {
      if let d = b.firstDifference(from: a) {
        return a.point.assignments.isEmpty ? d : "\(d) at \(a.point)"
      }
    }
    return nil
  }
}
