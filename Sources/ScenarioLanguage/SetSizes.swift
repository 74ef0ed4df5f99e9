// What the language alone can know about the size of each set, before any item is drawn: an
// interval [fewest, most], exact where the algebra allows (`all - test` where `test` is a
// sample of `all`), seed-dependent where `wrong` or the overlap of two samples is involved.
// Used to reject empty sets and oversized samples, and by `taboo explain` until the simulator
// supplies real sizes.

import Specification

/// The possible sizes of one set.
public struct SetSizeBounds: Sendable, Equatable, CustomStringConvertible {
  public var fewest: Int
  public var most: Int

  public init(fewest: Int, most: Int) {
    self.fewest = max(0, fewest)
    self.most = max(self.fewest, most)
  }

  public init(exactly size: Int) {
    self.init(fewest: size, most: size)
  }

  public var isExact: Bool { fewest == most }

  /// `96`, or `286–288`.
  public var description: String { isExact ? "\(fewest)" : "\(fewest)–\(most)" }
}

/// A set as the static analysis sees it: size bounds and known inclusions and exclusions.
package struct AbstractSet {
  package var size: SetSizeBounds
  /// The name of the set when the value is exactly a named set (`all`, `wrong`, `train`).
  package var identity: String?
  /// Names of sets known to contain this one (its own identity included).
  package var supersets: Set<String>
  /// Names of sets known to share no item with this one.
  package var disjoint: Set<String>

  package func isSubset(of other: AbstractSet) -> Bool {
    guard let identity = other.identity else { return false }
    return supersets.contains(identity)
  }

  package func isDisjoint(from other: AbstractSet) -> Bool {
    !disjoint.isDisjoint(with: other.supersets) || !other.disjoint.isDisjoint(with: supersets)
  }
}

/// Evaluates set expressions abstractly for one world.
package struct SetSizeAnalysis {
  package let items: Int
  package let wrong: SetSizeBounds
  package private(set) var named: [String: AbstractSet] = [:]

  /// `wrong NAME` of each named convention.
  package let wrongUnder: [String: SetSizeBounds]

  package init(world: WorldSpec) {
    items = world.items
    wrong = SetSizeAnalysis.wrongBounds(world.convention, world: world)
    wrongUnder = Dictionary(
      world.conventions.map { ($0.name, SetSizeAnalysis.wrongBounds($0.convention, world: world)) },
      uniquingKeysWith: { a, _ in a })
  }

  /// How many items a convention gets wrong (nil: none).
  private static func wrongBounds(_ convention: Convention?, world: WorldSpec) -> SetSizeBounds {
    let items = world.items
    switch convention {
    case nil: return SetSizeBounds(exactly: 0)
    case .weak(let q)?:
      return q >= 1
        ? SetSizeBounds(exactly: 0)
        : q <= 0 ? SetSizeBounds(exactly: items) : SetSizeBounds(fewest: 0, most: items)
    case .shift(let k)?:
      return SetSizeBounds(exactly: world.classes > 0 && k % world.classes != 0 ? items : 0)
    case .scramble?:
      return SetSizeBounds(exactly: world.classes >= 2 ? items : 0)
    case .constant(let a)?:
      if case .modsum(let p) = world.kind, a >= 0, a < p {
        return SetSizeBounds(exactly: items - p)  // p pairs sum to a
      }
      return SetSizeBounds(fewest: 0, most: items)
    }
  }

  /// Records the value of a defined set.
  package mutating func define(_ name: String, _ value: AbstractSet) {
    var value = value
    value.identity = name
    value.supersets.insert(name)
    named[name] = value
  }

  package func value(of expression: SetExpression) -> AbstractSet {
    switch expression {
    case .all:
      return AbstractSet(
        size: SetSizeBounds(exactly: items), identity: "all", supersets: ["all"], disjoint: [])
    case .wrong:
      return AbstractSet(size: wrong, identity: "wrong", supersets: ["wrong", "all"], disjoint: [])
    case .wrongUnder(let name):
      let identity = "wrong " + name
      return AbstractSet(
        size: wrongUnder[name] ?? SetSizeBounds(fewest: 0, most: items), identity: identity,
        supersets: [identity, "all"], disjoint: [])
    case .named(let name):
      return named[name]
        ?? AbstractSet(
          size: SetSizeBounds(fewest: 0, most: items), identity: name, supersets: [name, "all"], disjoint: [])
    case .sample(let count, let operand):
      let base = value(of: operand)
      return AbstractSet(
        size: SetSizeBounds(fewest: min(count, base.size.fewest), most: min(count, base.size.most)),
        identity: nil, supersets: base.supersets, disjoint: base.disjoint)
    case .sampleFraction(let fraction, let operand):
      let base = value(of: operand)
      return AbstractSet(
        size: SetSizeBounds(
          fewest: SetSizeAnalysis.sampleSize(fraction, of: base.size.fewest),
          most: SetSizeAnalysis.sampleSize(fraction, of: base.size.most)),
        identity: nil, supersets: base.supersets, disjoint: base.disjoint)
    case .items(let ranges):
      return AbstractSet(
        size: SetSizeBounds(exactly: SetSizeAnalysis.distinctItems(ranges, below: items)), identity: nil,
        supersets: ["all"], disjoint: [])
    case .union(let a, let b):
      return union(value(of: a), value(of: b))
    case .difference(let a, let b):
      return difference(value(of: a), value(of: b))
    case .intersection(let a, let b):
      return intersection(value(of: a), value(of: b))
    }
  }

  /// How many distinct indices below `limit` the ranges cover.
  static func distinctItems(_ ranges: [ClosedRange<Int>], below limit: Int) -> Int {
    let clamped = ranges.compactMap { range -> ClosedRange<Int>? in
      let low = max(range.lowerBound, 0)
      let high = min(range.upperBound, limit - 1)
      return low <= high ? low...high : nil
    }.sorted { $0.lowerBound < $1.lowerBound }
    var count = 0
    var covered = -1  // the highest index counted so far
    for range in clamped where range.upperBound > covered {
      count += range.upperBound - max(range.lowerBound, covered + 1) + 1
      covered = range.upperBound
    }
    return count
  }

  static func sampleSize(_ fraction: Double, of size: Int) -> Int {
    SetExpression.sampleSize(fraction, of: size)
  }

  package func union(_ a: AbstractSet, _ b: AbstractSet) -> AbstractSet {
    if a.isSubset(of: b) { return b }
    if b.isSubset(of: a) { return a }
    let most = min(items, a.size.most + b.size.most)
    let fewest = a.isDisjoint(from: b) ? a.size.fewest + b.size.fewest : max(a.size.fewest, b.size.fewest)
    return AbstractSet(
      size: SetSizeBounds(fewest: min(fewest, most), most: most), identity: nil,
      supersets: a.supersets.intersection(b.supersets), disjoint: a.disjoint.intersection(b.disjoint))
  }

  package func difference(_ a: AbstractSet, _ b: AbstractSet) -> AbstractSet {
    var result = a
    result.identity = nil
    if a.isSubset(of: b) {
      result.size = SetSizeBounds(exactly: 0)
    } else if a.isDisjoint(from: b) {
      result.size = a.size
    } else if b.isSubset(of: a) {
      result.size = SetSizeBounds(fewest: a.size.fewest - b.size.most, most: a.size.most - b.size.fewest)
    } else {
      result.size = SetSizeBounds(fewest: a.size.fewest - b.size.most, most: a.size.most)
    }
    if let identity = b.identity { result.disjoint.insert(identity) }
    return result
  }

  package func intersection(_ a: AbstractSet, _ b: AbstractSet) -> AbstractSet {
    var size: SetSizeBounds
    if a.isDisjoint(from: b) {
      size = SetSizeBounds(exactly: 0)
    } else if a.isSubset(of: b) {
      size = a.size
    } else if b.isSubset(of: a) {
      size = b.size
    } else {
      size = SetSizeBounds(
        fewest: a.size.fewest + b.size.fewest - items, most: min(a.size.most, b.size.most))
    }
    return AbstractSet(
      size: size, identity: nil, supersets: a.supersets.union(b.supersets),
      disjoint: a.disjoint.union(b.disjoint))
  }
}

extension RunSpec {
  /// The size bounds of every defined set (in order), plus `all` and `wrong`, as far as the
  /// language can tell without drawing items.
  public var staticSetSizes: [(name: String, size: SetSizeBounds)] {
    var analysis = SetSizeAnalysis(world: world)
    var result: [(name: String, size: SetSizeBounds)] = [
      ("all", SetSizeBounds(exactly: world.items)), ("wrong", analysis.wrong),
    ]
    for extra in world.conventions {
      result.append(("wrong " + extra.name, analysis.wrongUnder[extra.name] ?? SetSizeBounds(fewest: 0, most: world.items)))
    }
    for set in sets {
      let value = analysis.value(of: set.expression)
      analysis.define(set.name, value)
      result.append((set.name, value.size))
    }
    return result
  }
}
