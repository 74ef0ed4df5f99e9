// Elman (tanh) cell, PyTorch's `nn.RNN(nonlinearity: "tanh")`:
//   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
// Shapes: the input projection W_ih x_t of a row is a row of gx (T, B, H), or for token inputs a
// row of `projections` (V, H) (see Pass.recurrentPart); bias (H) = b_ih + b_hh; hs (T+1, B, H).

import Specification
import LinearAlgebra

enum Elman {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden
    for t in 0..<p.steps {
      let pre = p.at(ws.gx, step: t, width: h)
      let hPrev = p.at(ws.hs, step: t, width: h)
      let (recurrent, recurrentStride) = p.recurrentPart(of: hPrev, into: pre, step: t)
      let hNew = p.at(ws.hs, step: t + 1, width: h)
      for row in 0..<b {
        let x = UnsafePointer(p.inputProjection(step: t, row: row))
        let r = UnsafePointer(recurrent + row * recurrentStride), y = hNew + row * h
        var j = 0
        while j + Lanes.scalarCount <= h {
          forwardBlock(j, Lanes.scalarCount, x, r, p.bias, y)
          j += Lanes.scalarCount
        }
        if j < h { forwardBlock(j, h - j, x, r, p.bias, y) }
      }
    }
  }

  @_transparent
  static func forwardBlock(
    _ j: Int, _ k: Int, _ x: UnsafePointer<Float>, _ r: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
  ) {
    Activation.tanh(
      Lanes.load(x + j, count: k) + Lanes.load(r + j, count: k) + Lanes.load(bias + j, count: k))
      .store(to: y + j, count: k)
  }

  /// Fills dgx (T, B, H) with ∂loss/∂pre_t, walking back from t = T−1.
  static func backward(_ p: Pass) {
    let ws = p.workspace, n = p.batch * p.hidden
    var dh = ws.dh, dhPrev = ws.dhPrev
    dh.update(repeating: 0, count: n)
    for t in stride(from: p.steps - 1, through: 0, by: -1) {
      let hNew = p.at(ws.hs, step: t + 1, width: p.hidden)
      let dPre = p.at(ws.dgx, step: t, width: p.hidden)
      if let dOut = p.readoutGradient(step: t) { Vector.add(dOut, into: dh, count: n) }
      for i in 0..<n { dPre[i] = dh[i] * (1 - hNew[i] * hNew[i]) }
      guard t > 0 else { break }
      dhPrev.update(repeating: 0, count: n)
      p.addRecurrentGradient(of: dPre, into: dhPrev)
      swap(&dh, &dhPrev)
    }
  }
}
