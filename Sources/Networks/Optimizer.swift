// Optimizers over the flat parameter buffer, with PyTorch's update rules (`torch.optim.Adam`,
// `torch.optim.SGD` with momentum, no dampening, no weight decay) and `clip_grad_norm_`.
// Moments share the parameters' layout, so every update is one loop over the buffer.

import Foundation
import LinearAlgebra

/// How parameters are updated from gradients.
public enum OptimizerRule: Sendable, Hashable {
  case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8)
  case sgd(momentum: Float = 0)
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
  public mutating func update(_ parameters: inout [Float], gradient: [Float]) {
    precondition(parameters.count == first.count && gradient.count == first.count,
                 "optimizer, parameters and gradient must share one layout")
    step += 1
    let lr = learningRate
    let count = parameters.count
    switch rule {
    case .adam(let beta1, let beta2, let epsilon):
      // m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
      // p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
      let correction1 = 1 - pow(Double(beta1), Double(step))
      let correction2 = 1 - pow(Double(beta2), Double(step))
      let stepSize = Float(Double(lr) / correction1)
      let inverseRoot2 = Float(1 / correction2.squareRoot())
      parameters.withUnsafeMutableBufferPointer { p in
        gradient.withUnsafeBufferPointer { g in
          first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
              for i in 0..<count {
                let gi = g[i]
                m[i] += (gi - m[i]) * (1 - beta1)
                v[i] = v[i] * beta2 + (1 - beta2) * gi * gi
                p[i] -= stepSize * m[i] / (v[i].squareRoot() * inverseRoot2 + epsilon)
              }
            }
          }
        }
      }
    case .sgd(let momentum):
      // b ← μ b + g (b = g at the first step);  p ← p − lr · b
      let firstStep = step == 1
      parameters.withUnsafeMutableBufferPointer { p in
        gradient.withUnsafeBufferPointer { g in
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
      }
    }
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
