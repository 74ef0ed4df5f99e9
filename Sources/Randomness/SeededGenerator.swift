// One seeded generator, passed explicitly. Everything random in a run derives from the run's seed
// through `SeededGenerator(seed:stream:)`, so results never depend on thread count, scheduling, or
// the standard library's choice of algorithms (we implement uniform, normal and shuffle here).

import Foundation

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  /// A generator for `seed`; `stream` names an independent sub-stream (e.g. "weights", "batches"),
  /// so that adding a use of randomness in one place does not shift the numbers drawn elsewhere.
  public init(seed: UInt64, stream: String = "") {
    var mix = SplitMix64(state: seed ^ Self.fnv1a(stream))
    s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the one state xoshiro must avoid
  }

  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  /// Uniform in [0, 1) with 24 random bits.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// Uniform in [0, 1) with 53 random bits.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Uniform in [low, high).
  public mutating func uniform(_ low: Float, _ high: Float) -> Float {
    low + (high - low) * nextFloat()
  }

  /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's method).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound")
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold { product = next().multipliedFullWidth(by: b) }
    }
    return Int(product.high)
  }

  /// Uniform integer in the closed range.
  public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
  }

  /// A standard normal deviate (Box–Muller, one of the pair; Double inside).
  public mutating func nextGaussian() -> Double {
    let u1 = 1 - nextDouble()  // in (0, 1]
    let u2 = nextDouble()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// Fisher–Yates shuffle in place.
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }

  /// `count` distinct indices drawn uniformly from 0..<population, in draw order.
  public mutating func sample(_ count: Int, from population: Int) -> [Int] {
    precondition(count >= 0 && count <= population, "cannot sample \(count) of \(population)")
    var pool = Array(0..<population)
    for i in 0..<count {
      let j = i + nextInt(below: population - i)
      pool.swapAt(i, j)
    }
    return Array(pool[0..<count])
  }

  private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// FNV-1a over the UTF-8 bytes: a stable hash (Swift's `Hasher` is seeded per process).
  static func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}

/// SplitMix64: expands one 64-bit seed into well-mixed state words.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
