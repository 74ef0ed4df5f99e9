// Turning (item, password, target) examples into the time-major token and target buffers that
// the network reads. Shapes: tokens (T, B); targets (T, B) when every position is supervised,
// (B) otherwise. Position 0 holds the start or password token and carries no loss.

import Specification

/// One training example: an item, with or without password, towards one of its targets.
public struct Example: Sendable, Hashable {
  public var item: Int
  public var password: Bool
  public var target: TargetKind
  public init(item: Int, password: Bool, target: TargetKind) {
    self.item = item
    self.password = password
    self.target = target
  }
}

/// Reusable buffers for assembling batches of a world's sequences.
struct BatchBuffers {
  let world: World
  var tokens: [Int32]
  var targets: [Int32]

  init(world: World, capacity: Int) {
    self.world = world
    tokens = [Int32](repeating: 0, count: capacity * world.steps)
    targets = [Int32](repeating: -1, count: capacity * world.steps)
  }

  /// Number of target slots for a batch of `b` sequences.
  func targetCount(_ b: Int) -> Int { world.everyPosition ? b * world.steps : b }

  /// Fills the first B columns with `examples` (target nil: no loss anywhere).
  mutating func fill<C: Collection>(_ examples: C, target: (Example) -> Targets?)
  where C.Element == Example {
    let b = examples.count, t = world.steps
    for (column, example) in examples.enumerated() {
      let item = world.items[example.item]
      tokens[column] = example.password ? world.passwordToken : world.startToken
      for s in 1..<t { tokens[s * b + column] = item.tokens[s - 1] }
      let goal = target(example)
      if world.everyPosition {
        targets[column] = -1
        for s in 1..<t { targets[s * b + column] = goal?.positions[s - 1] ?? -1 }
      } else {
        targets[column] = goal?.answer ?? -1
      }
    }
  }
}
