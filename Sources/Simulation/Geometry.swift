// Weight-space geometry at every probe (docs/design.md §6.10): where the weights w are against
// w₀, their phase's start, and w_p, the start of the phase's parent (§4.5). Norms are Euclidean
// over the whole flat parameter vector, accumulated in Double in index order (deterministic).
// P is the parameter count.

import LinearAlgebra
import Records
import Specification

/// The arithmetic of a `GeometryRecord`.
public enum WeightGeometry {
  /// The record of weights `w` (P) against the phase's start `w0` (P) and its parent's start
  /// `wp` (P; nil for the first phase): ‖w − w₀‖, ‖w − w_p‖, ‖w₀ − w_p‖ and
  /// undone = ⟨w₀ − w, w₀ − w_p⟩ / ‖w₀ − w_p‖² (the record's −⟨w − w₀, d_p⟩ / ‖d_p‖², written
  /// so that w = w₀ gives +0), nil when ‖w₀ − w_p‖ = 0.
  public static func record<Weights: RandomAccessCollection<Float>>(
    phaseIndex: Int, step: Int, examples: Int, weights w: Weights, phaseStart w0: Weights,
    parentStart wp: Weights?
  ) -> GeometryRecord where Weights.Index == Int {
    precondition(w.count == w0.count && (wp?.count ?? w.count) == w.count, "weight vectors differ in length")
    var moved = 0.0
    for i in w.indices {
      let d = Double(w[i]) - Double(w0[i])
      moved += d * d
    }
    var record = GeometryRecord(
      phaseIndex: phaseIndex, step: step, examples: examples, fromPhaseStart: moved.squareRoot(),
      fromParentStart: nil, parentDisplacement: nil, undone: nil)
    guard let wp else { return record }
    var fromParent = 0.0, parent = 0.0, back = 0.0
    for i in w.indices {
      let e = Double(w[i]) - Double(wp[i])
      let p = Double(w0[i]) - Double(wp[i])
      fromParent += e * e
      parent += p * p
      back += (Double(w0[i]) - Double(w[i])) * p
    }
    record.fromParentStart = fromParent.squareRoot()
    record.parentDisplacement = parent.squareRoot()
    record.undone = parent > 0 ? back / parent : nil
    return record
  }
}

/// The start weights a run keeps for its geometry: the running phase's (its w₀) and those of
/// the earlier phases that the running phase or a later one has as parent (their w_p); each is
/// dropped after the last phase that needs it. One rule for the trainer and `MemoryEstimate`.
package struct PhaseStarts {
  private let parents: [Int?]
  /// For each phase, the last later phase whose parent it is; nil: none.
  private let lastChild: [Int?]
  private var kept: [Int: AlignedFloats] = [:]
  /// The most vectors held at once so far.
  package private(set) var most = 0

  package init(_ phases: [PhaseSpec]) {
    parents = phases.map(\.parent)
    var last = [Int?](repeating: nil, count: phases.count)
    for phase in phases { if let parent = phase.parent { last[parent] = phase.index } }
    lastChild = last
  }

  /// Phase `index` starts from `weights` (before any kick).
  package mutating func begin(_ index: Int, weights: AlignedFloats) {
    kept[index] = weights
    most = max(most, kept.count)
  }

  /// The start weights of phase `index`, while kept.
  package subscript(index: Int) -> AlignedFloats? { kept[index] }

  /// The geometry of `weights` in phase `index`, which has begun.
  package func record(_ index: Int, weights: AlignedFloats, step: Int, examples: Int) -> GeometryRecord {
    WeightGeometry.record(
      phaseIndex: index, step: step, examples: examples, weights: weights, phaseStart: kept[index]!,
      parentStart: parents[index].flatMap { kept[$0] })
  }

  /// Phase `index` has ended: drops the starts no later phase needs.
  package mutating func end(_ index: Int) {
    for phase in released(after: index) { kept[phase] = nil }
  }

  /// The phases whose starts are no longer needed once phase `index` ends: itself when no later
  /// phase is its child, and its parent when it was the parent's last child.
  private func released(after index: Int) -> [Int] {
    (lastChild[index] == nil ? [index] : [])
      + (parents[index].flatMap { lastChild[$0] == index ? [$0] : nil } ?? [])
  }

  /// The most start vectors a run of `phases` holds at once (all of them run to their end).
  package static func mostHeld(_ phases: [PhaseSpec]) -> Int {
    let starts = PhaseStarts(phases)
    var held = 0, most = 0
    for index in phases.indices {
      held += 1
      most = max(most, held)
      held -= starts.released(after: index).count
    }
    return most
  }
}
