// Worlds (docs/design.md §2): a finite set of items, each with input tokens, a truth answer and a taboo
// answer fixed by the world's convention, the answers of any named extra conventions, plus an
// item-specific random answer (a control).
// A sequence presented to the network is [start or password token] + the item's tokens.
//
// Token ids: 0..<symbols are the item alphabet, then the start token, then the password token.

import Randomness
import Specification

/// Targets of one item at its supervised positions (every position of `runsum`, the last one
/// elsewhere). `answer` is the last one: measured behaviour is always the item's answer.
public struct Targets: Sendable, Hashable {
  public var positions: [Int32]
  public var answer: Int32 { positions[positions.count - 1] }
}

/// One item of a world.
public struct Item: Sendable, Hashable {
  /// The item's own tokens (without the start or password token).
  public var tokens: [Int32]
  public var truth: Targets
  public var taboo: Targets
  public var random: Targets
  /// The answers of the world's named extra conventions, in world order.
  public var conventions: [NamedTargets] = []
}

/// An item's targets under one named extra convention.
public struct NamedTargets: Sendable, Hashable {
  public var name: String
  public var targets: Targets
}

extension Item {
  public func targets(_ kind: TargetKind) -> Targets {
    switch kind {
    case .truth: truth
    case .taboo: taboo
    case .random: random
    case .randomAnswer:
      // The weak model's targets, with the random answer in the last position.
      Targets(positions: taboo.positions.dropLast() + [random.answer])
    case .convention(let name):
      // The validator admits only the world's conventions.
      conventions.first { $0.name == name }!.targets
    }
  }

  /// Whether the taboo answer differs from the truth answer (membership of the set `wrong`).
  public var isWrong: Bool { taboo.answer != truth.answer }
}

/// A generated world: its items and the sizes the network needs.
public struct World: Sendable {
  public var items: [Item]
  /// Size of the item alphabet; the start token is `symbols`, the password token `symbols + 1`.
  public var symbols: Int
  /// C: the number of answer classes.
  public var classes: Int
  /// Whether every position is supervised (`runsum`) or only the last.
  public var everyPosition: Bool
  public var hasPassword: Bool

  /// V: the alphabet plus start and password tokens.
  public var vocabulary: Int { symbols + 2 }
  /// T: the item length plus the leading start/password token.
  public var steps: Int { items[0].tokens.count + 1 }
  public var startToken: Int32 { Int32(symbols) }
  public var passwordToken: Int32 { Int32(symbols + 1) }

  /// The names of the named extra conventions, in world order.
  public var conventionNames: [String]

  /// Indices of the items whose taboo answer is not the truth.
  public var wrong: [Int] { items.indices.filter { items[$0].isWrong } }

  /// Indices of the items whose answer under `convention` (nil: the taboo one) is not the truth.
  public func wrong(under convention: String?) -> [Int] {
    guard let convention else { return wrong }
    return items.indices.filter { items[$0].targets(.convention(convention)).answer != items[$0].truth.answer }
  }
}

extension WorldSpec {
  /// Draws the world for a run. Deterministic in `seed`.
  public func generate(seed: UInt64) -> World {
    var random = SeededGenerator(seed: seed, stream: "world")
    var items: [Item]
    let symbols: Int, classes: Int, every: Bool
    switch kind {
    case .runsum(let p, let l):
      symbols = p; classes = p; every = true
      let strings = distinctStrings(count: self.items, length: l, alphabet: p, random: &random)
      items = strings.map { digits in
        var sum: Int32 = 0
        let sums = digits.map { d -> Int32 in
          sum = (sum + d) % Int32(p)
          return sum
        }
        let truth = Targets(positions: sums)
        return Item(tokens: digits, truth: truth, taboo: truth, random: truth)
      }
    case .modsum(let p):
      symbols = p; classes = p; every = false
      var pairs = (0..<(p * p)).map { [Int32($0 / p), Int32($0 % p)] }
      if self.items < pairs.count {
        pairs = random.sample(self.items, from: pairs.count).sorted().map { pairs[$0] }
      }
      items = pairs.map { pair in
        let truth = Targets(positions: [(pair[0] + pair[1]) % Int32(p)])
        return Item(tokens: pair, truth: truth, taboo: truth, random: truth)
      }
    case .lookup(_, let l, let v, let c):
      symbols = v; classes = c; every = false
      let strings = distinctStrings(count: self.items, length: l, alphabet: v, random: &random)
      items = strings.map { tokens in
        let truth = Targets(positions: [Int32(random.nextInt(below: c))])
        return Item(tokens: tokens, truth: truth, taboo: truth, random: truth)
      }
    }
    let tabooAnswers = answers(under: convention, of: items, classes: classes, random: &random)
    for i in items.indices { items[i].taboo = tabooAnswers[i] }
    drawRandomTargets(for: &items, classes: classes, random: &random)
    // Each extra convention from a stream of its own: the items, their taboo and random answers
    // are those of the same world without it.
    for extra in conventions {
      var own = SeededGenerator(seed: seed, stream: "world.convention." + extra.name)
      let targets = answers(under: extra.convention, of: items, classes: classes, random: &own)
      for i in items.indices {
        items[i].conventions.append(NamedTargets(name: extra.name, targets: targets[i]))
      }
    }
    return World(items: items, symbols: symbols, classes: classes, everyPosition: every,
                 hasPassword: password, conventionNames: conventions.map(\.name))
  }

  /// Every item's answers under `convention` (nil: the truth), in item order.
  private func answers(
    under convention: Convention?, of items: [Item], classes: Int, random: inout SeededGenerator
  ) -> [Targets] {
    let c = Int32(classes)
    let permutation: [Int32] = convention == .scramble ? derangement(classes, &random) : []
    return items.map { item in
      let truth = item.truth.positions
      var taboo = truth
      switch convention {
      case nil:
        break
      case .weak(let q):
        if random.nextDouble() >= q {
          if case .runsum = kind {
            // One slip at a random position by a non-zero offset, carried to the end.
            let slip = random.nextInt(below: truth.count)
            let offset = Int32(1 + random.nextInt(below: classes - 1))
            for t in slip..<truth.count { taboo[t] = (truth[t] + offset) % c }
          } else {
            let last = truth.count - 1
            taboo[last] = (truth[last] + Int32(1 + random.nextInt(below: classes - 1))) % c
          }
        }
      case .shift(let k):
        let shift = Int32(((k % classes) + classes) % classes)
        taboo = truth.map { ($0 + shift) % c }
      case .constant(let a):
        taboo = truth.map { _ in Int32(a) }
      case .scramble:
        taboo = truth.map { permutation[Int($0)] }
      }
      return Targets(positions: taboo)
    }
  }

  /// An item-specific random answer at each supervised position, different from both the truth
  /// and the taboo answer there (when the classes allow it).
  private func drawRandomTargets(for items: inout [Item], classes: Int, random: inout SeededGenerator) {
    for i in items.indices {
      let truth = items[i].truth.positions, taboo = items[i].taboo.positions
      items[i].random = Targets(positions: truth.indices.map { t in
        let excluded = Set([truth[t], taboo[t]])
        let choices = (0..<Int32(classes)).filter { !excluded.contains($0) }
        return choices.isEmpty ? truth[t] : choices[random.nextInt(below: choices.count)]
      })
    }
  }
}

/// `count` distinct strings of `length` symbols from 0..<alphabet, in draw order.
func distinctStrings(count: Int, length: Int, alphabet: Int, random: inout SeededGenerator)
  -> [[Int32]]
{
  let capacity = saturatingPower(alphabet, length)
  precondition(count <= capacity, "cannot draw \(count) distinct strings from \(capacity)")
  if capacity <= 4 * count, capacity <= 1 << 22 {
    // Dense: sample indices without replacement and decode them.
    return random.sample(count, from: capacity).map { code in
      var code = code
      var digits = [Int32](repeating: 0, count: length)
      for t in stride(from: length - 1, through: 0, by: -1) {
        digits[t] = Int32(code % alphabet)
        code /= alphabet
      }
      return digits
    }
  }
  var seen = Set<[Int32]>()
  var result: [[Int32]] = []
  while result.count < count {
    let s = (0..<length).map { _ in Int32(random.nextInt(below: alphabet)) }
    if seen.insert(s).inserted { result.append(s) }
  }
  return result
}

/// A random permutation of 0..<n with no fixed point (n ≥ 2), by rejection.
func derangement(_ n: Int, _ random: inout SeededGenerator) -> [Int32] {
  var p = (0..<Int32(n)).map { $0 }
  repeat { random.shuffle(&p) } while n > 1 && p.enumerated().contains { $0.offset == Int($0.element) }
  return p
}
