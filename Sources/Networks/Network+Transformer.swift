// The transformer's pass through the network's `forward` and `backward` (Network+Training.swift
// hands it over after its checks), and its PyTorch initialisation. Shapes as in
// TransformerWorkspace.swift.

import Specification
import LinearAlgebra
import Randomness

extension Network {
  /// The transformer's `forward`, after the shared checks and bookkeeping: inputs into the
  /// workspace, the blocks, the shared readout. A transformer carries no state between passes:
  /// it attends over the `steps` positions of this pass only, whatever `initialState` says.
  func transformerForward(_ input: SequenceInput, rows: Int, batch: Int, steps: Int, workspace ws: Workspace)
    -> Float
  {
    switch input {
    case .tokens(let tokens):
      precondition(shape.vocabulary > 0, "this network takes dense inputs")
      precondition(tokens.count == steps * batch, "expected \(steps * batch) tokens")
      var valid = true
      for token in tokens { valid = valid && token >= 0 && Int(token) < shape.vocabulary }
      precondition(valid, "a token outside 0..<\(shape.vocabulary)")
      ws.hadTokens = true
      ws.tokens.update(from: tokens.baseAddress!, count: tokens.count)
    case .dense(let x):
      precondition(shape.vocabulary == 0, "this network takes tokens")
      precondition(x.count == steps * batch * shape.inputSize,
                   "expected \(steps * batch * shape.inputSize) input values")
      ws.hadTokens = false
      ws.x.update(from: x.baseAddress!, count: x.count)
    }
    return parameters.withUnsafeBufferPointer { buffer in
      let w = buffer.baseAddress!, d = shape.hidden
      Transformer.forward(w, layout: layout, batch: batch, steps: steps, workspace: ws)
      let first = ws.supervision == .everyPosition ? ws.hs + batch * d : ws.hs + steps * batch * d
      let (loss, supervised) = Readout.forward(
        hidden: first, rows: rows, h: d, classes: shape.classes,
        weights: w + layout.headWeights.lowerBound, bias: w + layout.headBias.lowerBound,
        targets: ws.targets, logits: ws.logitRows, probs: ws.probs)
      ws.supervisedCount = supervised
      return supervised > 0 ? Float(loss / Double(supervised)) : 0
    }
  }

  /// The transformer's `backward`: the shared readout gradient, then the blocks.
  func transformerBackward(workspace ws: Workspace, into gradient: inout [Float]) {
    let everyPosition = ws.supervision == .everyPosition
    parameters.withUnsafeBufferPointer { buffer in
      gradient.withUnsafeMutableBufferPointer { gradients in
        let w = buffer.baseAddress!, g = gradients.baseAddress!
        // The final LayerNorm's output y stands where the cells keep h.
        readoutBackward(w, g, workspace: ws)
        Transformer.backward(w, g, layout: layout, batch: ws.batch, steps: ws.steps,
                             everyPosition: everyPosition, workspace: ws)
      }
    }
  }

  /// PyTorch's initialisation of the transformer, drawn in buffer order: embeddings (tokens and
  /// positions) N(0, 1); `nn.Linear` weights and biases (input projection, linear1, linear2,
  /// head) U(±1/√fan_in); the packed in-projection xavier-uniform, U(±√(6/(D + 3D))), with zero
  /// bias; the out-projection weight U(±1/√D), zero bias (`nn.MultiheadAttention`); LayerNorm
  /// weights one, biases zero.
  static func transformerParameters(
    _ layout: ParameterLayout, random: inout SeededGenerator
  ) -> [Float] {
    let shape = layout.shape, tl = layout.transformer!
    let d = shape.hidden, f = tl.sizes.feedForward
    var p = [Float](repeating: 0, count: layout.count)
    func gaussian(_ range: Range<Int>) {
      for i in range { p[i] = Float(random.nextGaussian()) }
    }
    func uniform(_ range: Range<Int>, fanIn: Int) {
      let bound = 1 / Float(fanIn).squareRoot()
      for i in range { p[i] = random.uniform(-bound, bound) }
    }
    func ones(_ range: Range<Int>) {
      for i in range { p[i] = 1 }
    }
    gaussian(layout.embedding)
    uniform(layout.inputWeights, fanIn: shape.inputSize)
    uniform(layout.inputBias, fanIn: shape.inputSize)
    gaussian(tl.position)
    for block in tl.blocks {
      ones(block.norm1Weight)
      let xavier = (6 / Float(d + 3 * d)).squareRoot()
      for i in block.inProjectionWeight { p[i] = random.uniform(-xavier, xavier) }
      uniform(block.outProjectionWeight, fanIn: d)
      ones(block.norm2Weight)
      uniform(block.linear1Weight, fanIn: d)
      uniform(block.linear1Bias, fanIn: d)
      uniform(block.linear2Weight, fanIn: f)
      uniform(block.linear2Bias, fanIn: f)
    }
    ones(tl.normWeight)
    uniform(layout.headWeights, fanIn: d)
    uniform(layout.headBias, fanIn: d)
    return p
  }
}
