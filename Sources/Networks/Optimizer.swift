// Optimizers over the flat parameter buffer, with PyTorch's update rules (`torch.optim.Adam`, or
// `torch.optim.AdamW` with decoupled weight decay; `torch.optim.SGD` with momentum, no
// dampening) and `clip_grad_norm_`.
// Moments share the parameters' layout, so every update is one loop over the buffer.

import Specification
import Foundation
import LinearAlgebra

/// How parameters are updated from gradients.
public enum OptimizerRule: Sendable, Hashable {
  /// Adam; with `weightDecay` λ > 0, AdamW: every weight is first multiplied by 1 − lr·λ.
  case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0)
  case sgd(momentum: Float = 0)

  /// The rule a phase's training settings ask for.
  public init(_ settings: TrainingSettings) {
    switch settings.optimizer {
    case .adam: self = .adam(weightDecay: Float(settings.weightDecay))
    case .sgd: self = .sgd(momentum: Float(settings.momentum))
    }
  }
}

/// An optimizer and its state (step count and moments), sized for one parameter layout.
public struct Optimizer: Sendable {
  public var rule: OptimizerRule
  public var learningRate: Float
  /// Optimizer steps taken so far (Adam's bias correction counts from 1).
  public private(set) var step = 0
  /// Adam: first moment; SGD: momentum buffer. Same layout as the parameters.
  public private(set) var first: [Float]
  /// Adam: second moment (empty for SGD).
  public private(set) var second: [Float]

  public init(rule: OptimizerRule, learningRate: Float, parameterCount: Int) {
    self.rule = rule
    self.learningRate = learningRate
    first = [Float](repeating: 0, count: parameterCount)
    if case .adam = rule {
      second = [Float](repeating: 0, count: parameterCount)
    } else {
      second = []
    }
  }

  /// Forgets the step count and the moments (a fresh optimizer for a new phase).
  public mutating func reset() {
    step = 0
    first = [Float](repeating: 0, count: first.count)
    if !second.isEmpty { second = [Float](repeating: 0, count: second.count) }
  }

  /// One update: `parameters -= f(gradient)`.
  public mutating func update(_ parameters: inout AlignedFloats, gradient: [Float]) {
    gradient.withUnsafeBufferPointer { g in
      update(&parameters, gradient: g.baseAddress!, count: g.count, clearing: nil)
    }
  }

  /// One update, then `gradient` set to zero for the next step's backward pass to add into: the
  /// clearing rides along the update's own pass over the buffer (a separate pass cost 3% of a
  /// transformer's step at B = 2). Same parameters and moments as `update`, bit for bit.
  public mutating func update(_ parameters: inout AlignedFloats, clearing gradient: inout [Float]) {
    gradient.withUnsafeMutableBufferPointer { g in
      update(&parameters, gradient: g.baseAddress!, count: g.count, clearing: g.baseAddress!)
    }
  }

  private mutating func update(
    _ parameters: inout AlignedFloats, gradient g: UnsafePointer<Float>, count gradientCount: Int,
    clearing: UnsafeMutablePointer<Float>?
  ) {
    precondition(parameters.count == first.count && gradientCount == first.count,
                 "optimizer, parameters and gradient must share one layout")
    step += 1
    let lr = learningRate
    let count = parameters.count
    switch rule {
    case .adam(let beta1, let beta2, let epsilon, let weightDecay):
      // AdamW: p ← p (1 − lr λ), before the moments, as torch.optim.AdamW.
      if weightDecay != 0 {
        let keep = Float(1 - Double(lr) * Double(weightDecay))
        parameters.withUnsafeMutableBufferPointer { p in
          for i in 0..<count { p[i] *= keep }
        }
      }
      // m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
      // p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
      let correction1 = 1 - pow(Double(beta1), Double(step))
      let correction2 = 1 - pow(Double(beta2), Double(step))
      let stepSize = Float(Double(lr) / correction1)
      let inverseRoot2 = Float(1 / correction2.squareRoot())
      parameters.withUnsafeMutableBufferPointer { p in
        first.withUnsafeMutableBufferPointer { m in
          second.withUnsafeMutableBufferPointer { v in
            Self.adam(
              count: count, p: p.baseAddress!, g: g, m: m.baseAddress!, v: v.baseAddress!,
              beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize,
              inverseRoot2: inverseRoot2, clearing: clearing)
          }
        }
      }
    case .sgd(let momentum):
      // b ← μ b + g (b = g at the first step);  p ← p − lr · b
      let firstStep = step == 1
      parameters.withUnsafeMutableBufferPointer { p in
        first.withUnsafeMutableBufferPointer { b in
          if momentum == 0 {
            for i in 0..<count { p[i] -= lr * g[i] }
          } else {
            for i in 0..<count {
              b[i] = firstStep ? g[i] : momentum * b[i] + g[i]
              p[i] -= lr * b[i]
            }
          }
        }
      }
      clearing?.update(repeating: 0, count: count)
    }
  }
}

extension Optimizer {
  /// The Adam update over the flat buffers, in vector blocks (`Float.squareRoot` in a scalar loop
  /// does not vectorise: see `Activation.squareRoot(ofMagnitude:)`). Same operations in the same order as the scalar formula, no fused
  /// multiply-adds, so every lane gives the scalar result bit for bit. With `clearing` (the
  /// gradient's own buffer), each block of the gradient is zeroed once read.
  @inline(__always)
  static func adam(
    count: Int, p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
    beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, inverseRoot2: Float,
    clearing: UnsafeMutablePointer<Float>?
  ) {
    var i = 0
    while i + Lanes.scalarCount <= count {
      adamBlock(i, Lanes.scalarCount, p, g, m, v, beta1, beta2, epsilon, stepSize, inverseRoot2)
      if let clearing { Lanes().store(to: clearing + i, count: Lanes.scalarCount) }
      i += Lanes.scalarCount
    }
    if i < count {
      adamBlock(i, count - i, p, g, m, v, beta1, beta2, epsilon, stepSize, inverseRoot2)
      clearing?.advanced(by: i).update(repeating: 0, count: count - i)
    }
  }

  @_transparent
  static func adamBlock(
    _ i: Int, _ k: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    _ beta1: Float, _ beta2: Float, _ epsilon: Float, _ stepSize: Float, _ inverseRoot2: Float
  ) {
    // m ← m + (g − m)(1 − β1);  v ← v β2 + (1 − β2) g g;  p ← p − s m / (√v r + ε)
    let gi = Lanes.load(g + i, count: k)
    var mi = Lanes.load(m + i, count: k)
    mi += (gi - mi) * (1 - beta1)
    var vi = Lanes.load(v + i, count: k) * beta2 + (1 - beta2) * gi * gi
    // Moments of a parameter whose gradient stays zero (an unused token's embedding row) decay
    // geometrically into subnormal numbers, where every multiply takes a microcode assist (on
    // this project's Xeons it made Adam 4× slower at B = 2). Below the smallest normal float
    // they are flushed to zero; their contribution to the update is under 1e-30 of it.
    let tiny = Float.leastNormalMagnitude
    mi.replace(with: 0, where: (mi .< tiny) .& (mi .> -tiny))
    vi.replace(with: 0, where: vi .< tiny)
    mi.store(to: m + i, count: k)
    vi.store(to: v + i, count: k)
    // v ≥ 0, so √|v| = √v.
    let update = stepSize * mi / (Activation.squareRoot(ofMagnitude: vi) * inverseRoot2 + epsilon)
    (Lanes.load(p + i, count: k) - update).store(to: p + i, count: k)
  }
}

/// The gradient's global L2 norm, and rescales it to `maxNorm` when larger, as
/// `torch.nn.utils.clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6)). Returns the norm
/// before clipping.
@discardableResult
public func clipGradientNorm(_ gradient: inout [Float], maxNorm: Float) -> Float {
  let norm = gradientNorm(gradient)
  let coefficient = maxNorm / (norm + 1e-6)
  if coefficient < 1 {
    gradient.withUnsafeMutableBufferPointer { g in
      for i in g.indices { g[i] *= coefficient }
    }
  }
  return norm
}

/// The global L2 norm of a gradient buffer.
public func gradientNorm(_ gradient: [Float]) -> Float {
  gradient.withUnsafeBufferPointer { g in
    Float(Vector.sumOfSquares(g.baseAddress!, count: g.count).squareRoot())
  }
}
