// One pass of the network over a batch, forward and backward, orchestrating embedding, input
// projection, the cell, the readout and the loss. Shapes as in Workspace.swift.

import Specification
import LinearAlgebra

/// The inputs of a pass, time-major.
public enum SequenceInput {
  /// Token ids (T, B), each in 0..<V.
  case tokens(UnsafeBufferPointer<Int32>)
  /// Dense input vectors (T, B, E), for networks without an embedding.
  case dense(UnsafeBufferPointer<Float>)
}

extension Network {
  /// Runs the network over `batch` sequences of `steps` steps and returns the mean cross-entropy
  /// over supervised positions (0 when none is supervised). Targets are (T, B) time-major for
  /// `.everyPosition`, (B) for `.lastPosition`; a negative target marks a position without loss.
  /// With `initialState`, h_0 (and c_0) are read from `workspace.initialHidden`/`initialCell`;
  /// otherwise they are zero. Afterwards the workspace holds the softmax rows and final state.
  /// With `forBackward: false` (evaluation only) the GRU skips storing what only `backward`
  /// reads (7–30% off its forward pass at B = 512; for the LSTM skipping measured no gain); the
  /// results are the same bit for bit, and `backward` may not follow. A transformer has no state
  /// to start from and ignores `initialState` (Network+Transformer.swift).
  @discardableResult
  public func forward(
    _ input: SequenceInput, targets: UnsafeBufferPointer<Int32>, batch: Int, steps: Int,
    supervision: Supervision, initialState: Bool = false, forBackward: Bool = true,
    workspace ws: Workspace
  ) -> Float {
    precondition(ws.shape == shape, "workspace made for another network shape")
    precondition(batch > 0 && batch <= ws.capacity, "batch \(batch) outside 1...\(ws.capacity)")
    precondition(steps > 0 && steps <= ws.maxSteps, "steps \(steps) outside 1...\(ws.maxSteps)")
    let rows = supervision == .everyPosition ? steps * batch : batch
    precondition(targets.count == rows, "expected \(rows) targets, got \(targets.count)")
    let e = shape.inputSize, h = shape.hidden, gw = shape.gateWidth
    ws.batch = batch
    ws.steps = steps
    ws.supervision = supervision
    ws.usedInitialState = initialState
    ws.keptForBackward = forBackward
    ws.targets.update(from: targets.baseAddress!, count: rows)
    if shape.cell == .transformer {
      return transformerForward(input, rows: rows, batch: batch, steps: steps, workspace: ws)
    }

    return parameters.withUnsafeBufferPointer { buffer in
      let w = buffer.baseAddress!
      // x (T·B, E): embedding rows or the dense vectors.
      switch input {
      case .tokens(let tokens):
        precondition(shape.vocabulary > 0, "this network takes dense inputs")
        precondition(tokens.count == steps * batch, "expected \(steps * batch) tokens")
        ws.hadTokens = true
        ws.tokens.update(from: tokens.baseAddress!, count: tokens.count)
        var valid = true
        for token in tokens { valid = valid && token >= 0 && Int(token) < shape.vocabulary }
        precondition(valid, "a token outside 0..<\(shape.vocabulary)")
        // Every position's input projection is one of V rows: projections (V, G·H) =
        // embedding · W_ihᵀ, which the cells read in place (Pass.inputProjection).
        BLAS.gemm(.none, .transposed, m: shape.vocabulary, n: gw, k: e,
                  a: w + layout.embedding.lowerBound, lda: e,
                  b: w + layout.inputWeights.lowerBound, ldb: e,
                  beta: 0, c: ws.projections, ldc: gw)
      case .dense(let x):
        precondition(x.count == steps * batch * e, "expected \(steps * batch * e) input values")
        ws.hadTokens = false
        ws.x.update(from: x.baseAddress!, count: x.count)
        // gx (T·B, G·H) = x · W_ihᵀ: the input projection of every time step in one sgemm.
        BLAS.gemm(.none, .transposed, m: steps * batch, n: gw, k: e,
                  a: ws.x, lda: e, b: w + layout.inputWeights.lowerBound, ldb: e,
                  beta: 0, c: ws.gx, ldc: gw)
      }
      // The cells add the biases while they read the input projections.
      let inputBias = w + layout.inputBias.lowerBound
      let recurrentBias = w + layout.recurrentBias.lowerBound
      // b_ih + b_hh, except the GRU's n block, where b_hn sits inside r ⊙ (·).
      let summed = shape.cell == .gru ? 2 * h : gw
      for j in 0..<gw { ws.bias[j] = inputBias[j] + (j < summed ? recurrentBias[j] : 0) }

      if !initialState {
        ws.hs.update(repeating: 0, count: batch * h)
        if shape.cell == .lstm { ws.cs.update(repeating: 0, count: batch * h) }
      }
      let pass = makePass(w, batch: batch, steps: steps, workspace: ws)
      switch shape.cell {
      case .elman: Elman.forward(pass)
      case .gru: GRU.forward(pass)
      case .lstm: LSTM.forward(pass)
      case .transformer: preconditionFailure("the transformer has its own pass")
      }

      let first = supervision == .everyPosition ? ws.hs + batch * h : ws.hs + steps * batch * h
      let (loss, supervised) = Readout.forward(
        hidden: first, rows: rows, h: h, classes: shape.classes,
        weights: w + layout.headWeights.lowerBound, bias: w + layout.headBias.lowerBound,
        targets: ws.targets, logits: ws.logitRows, probs: ws.probs)
      ws.supervisedCount = supervised
      return supervised > 0 ? Float(loss / Double(supervised)) : 0
    }
  }

  /// Backpropagation through time of the last `forward` on `workspace`: adds ∂loss/∂parameters
  /// into `gradient` (same layout as `parameters`; zero it first for a fresh gradient). For dense
  /// inputs, ∂loss/∂x is left in `workspace.inputGradient`.
  /// The readout's part of `backward`, shared by every network: dLogits (R, C) from the loss;
  /// head_W += dLogitsᵀ · h; head_b += Σ rows; dhOut = dLogits · head_W, for the layers below.
  func readoutBackward(
    _ w: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, workspace ws: Workspace
  ) {
    let batch = ws.batch, steps = ws.steps, h = shape.hidden, c = shape.classes
    let everyPosition = ws.supervision == .everyPosition
    let rows = everyPosition ? steps * batch : batch
    let first = everyPosition ? ws.hs + batch * h : ws.hs + steps * batch * h
    let scale = ws.supervisedCount > 0 ? 1 / Float(ws.supervisedCount) : 0
    Readout.lossGradient(probs: ws.probs, targets: ws.targets, rows: rows, classes: c,
                         scale: scale, dLogits: ws.dLogits)
    BLAS.gemm(.transposed, .none, m: c, n: h, k: rows, a: ws.dLogits, lda: c, b: first, ldb: h,
              beta: 1, c: g + layout.headWeights.lowerBound, ldc: h)
    Vector.addColumnSums(of: ws.dLogits, rows: rows, columns: c, into: g + layout.headBias.lowerBound)
    BLAS.gemm(.none, .none, m: rows, n: h, k: c, a: ws.dLogits, lda: c,
              b: w + layout.headWeights.lowerBound, ldb: h, beta: 0, c: ws.dhOut, ldc: h)
  }

  public func backward(workspace ws: Workspace, into gradient: inout [Float]) {
    precondition(gradient.count == layout.count, "gradient buffer has the wrong layout")
    precondition(ws.keptForBackward, "backward after a forward pass with forBackward: false")
    if shape.cell == .transformer { return transformerBackward(workspace: ws, into: &gradient) }
    let batch = ws.batch, steps = ws.steps, e = shape.inputSize, h = shape.hidden
    let gw = shape.gateWidth

    parameters.withUnsafeBufferPointer { buffer in
      gradient.withUnsafeMutableBufferPointer { gradients in
        let w = buffer.baseAddress!, g = gradients.baseAddress!
        readoutBackward(w, g, workspace: ws)

        // Through time: dgx (and dgh for the GRU) for every step.
        let pass = makePass(w, batch: batch, steps: steps, workspace: ws)
        switch shape.cell {
        case .elman: Elman.backward(pass)
        case .gru: GRU.backward(pass)
        case .lstm: LSTM.backward(pass)
        case .transformer: preconditionFailure("the transformer has its own pass")
        }
        // Input side. Token inputs: dTokens (V, G·H) holds Σ of the dgx rows of each token
        // (the GRU sums them itself; the other cells' dgx rows are summed here), so
        //   W_ih += dTokensᵀ · embedding,  embedding += dTokens · W_ih,  b_ih += Σ rows.
        // Dense inputs: W_ih += dgxᵀ · x;  b_ih += Σ rows of dgx;  dx = dgx · W_ih.
        let rows = steps * batch
        let inputBias = g + layout.inputBias.lowerBound
        let recurrentBias = g + layout.recurrentBias.lowerBound
        let recurrentWeights = g + layout.recurrentWeights.lowerBound
        let v = shape.vocabulary
        ws.dBias.update(repeating: 0, count: gw)
        if ws.hadTokens {
          if shape.cell != .gru {
            ws.dTokens.update(repeating: 0, count: v * gw)
            for i in 0..<rows {
              Vector.add(ws.dgx + i * gw, into: ws.dTokens + Int(ws.tokens[i]) * gw, count: gw)
            }
          }
          BLAS.gemm(.transposed, .none, m: gw, n: e, k: v, a: ws.dTokens, lda: gw,
                    b: w + layout.embedding.lowerBound, ldb: e,
                    beta: 1, c: g + layout.inputWeights.lowerBound, ldc: e)
          BLAS.gemm(.none, .none, m: v, n: e, k: gw, a: ws.dTokens, lda: gw,
                    b: w + layout.inputWeights.lowerBound, ldb: e,
                    beta: 1, c: g + layout.embedding.lowerBound, ldc: e)
          Vector.addColumnSums(of: ws.dTokens, rows: v, columns: gw, into: ws.dBias)
        } else {
          BLAS.gemm(.transposed, .none, m: gw, n: e, k: rows, a: ws.dgx, lda: gw,
                    b: ws.x, ldb: e, beta: 1, c: g + layout.inputWeights.lowerBound, ldc: e)
          Vector.addColumnSums(of: ws.dgx, rows: rows, columns: gw, into: ws.dBias)
          BLAS.gemm(.none, .none, m: rows, n: e, k: gw, a: ws.dgx, lda: gw,
                    b: w + layout.inputWeights.lowerBound, ldb: e, beta: 0, c: ws.dx, ldc: e)
        }
        Vector.add(ws.dBias, into: inputBias, count: gw)

        // W_hh (G·H, H) += dghᵀ · h_{t−1} over the steps whose h_{t−1} is not a zero start;
        // b_hh += Σ rows of dgh. dgh equals dgx for Elman and LSTM; for the GRU it is kept apart
        // (its n block differs), and the sum of that block is dBiasN.
        let t0 = ws.usedInitialState ? 0 : 1
        let dgh = shape.cell == .gru ? ws.dgh : ws.dgx
        BLAS.gemm(.transposed, .none, m: gw, n: h, k: (steps - t0) * batch,
                  a: dgh + t0 * batch * gw, lda: gw, b: ws.hs + t0 * batch * h, ldb: h,
                  beta: 1, c: recurrentWeights, ldc: h)
        if shape.cell == .gru {
          Vector.add(ws.dBias, into: recurrentBias, count: 2 * h)
          Vector.add(ws.dBiasN, into: recurrentBias + 2 * h, count: h)
        } else {
          Vector.add(ws.dBias, into: recurrentBias, count: gw)
        }
      }
    }
  }

  private func makePass(_ w: UnsafePointer<Float>, batch: Int, steps: Int, workspace: Workspace)
    -> Pass
  {
    Pass(batch: batch, steps: steps, hidden: shape.hidden, gateWidth: shape.gateWidth,
         workspace: workspace,
         recurrentWeights: w + layout.recurrentWeights.lowerBound,
         recurrentBias: w + layout.recurrentBias.lowerBound, bias: workspace.bias,
         initialState: workspace.usedInitialState,
         everyPosition: workspace.supervision == .everyPosition,
         forBackward: workspace.keptForBackward,
         tokens: workspace.hadTokens ? UnsafePointer(workspace.tokens) : nil)
  }
}
