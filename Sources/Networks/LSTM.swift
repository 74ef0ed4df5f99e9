// LSTM cell, PyTorch's `nn.LSTM`, gate blocks [i; f; g; o]:
//   i = σ(·), f = σ(·), g = tanh(·), o = σ(·)   of W_ih x + b_ih + W_hh h + b_hh
//   c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
// Shapes: the input projection W_ih x_t of a row is a row of gx (T, B, 4H), or for token inputs a
// row of `projections` (V, 4H) (see Pass.recurrentPart); gx holds [i, f, g, o] after the step;
// bias (4H) is b_ih + b_hh;
// cs (T+1, B, H) cell states; tc (T, B, H) tanh(c_t); hs (T+1, B, H).

import Specification
import LinearAlgebra

enum LSTM {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    for t in 0..<p.steps {
      let gx = p.at(ws.gx, step: t, width: gw)
      let hPrev = p.at(ws.hs, step: t, width: h)
      let (recurrent, recurrentStride) = p.recurrentPart(of: hPrev, into: gx, step: t)
      let bias = p.bias
      let cPrev = p.at(ws.cs, step: t, width: h), cNew = p.at(ws.cs, step: t + 1, width: h)
      let tcNew = p.at(ws.tc, step: t, width: h), hNew = p.at(ws.hs, step: t + 1, width: h)
      for row in 0..<b {
        let g = gx + row * gw
        let xr = UnsafePointer(p.inputProjection(step: t, row: row))
        let hr = UnsafePointer(recurrent + row * recurrentStride)
        let cp = cPrev + row * h, cn = cNew + row * h, tn = tcNew + row * h, hn = hNew + row * h
        var j = 0
        while j + Lanes.scalarCount <= h {
          forwardBlock(j, Lanes.scalarCount, h, xr, hr, g, bias, cp, cn, tn, hn)
          j += Lanes.scalarCount
        }
        if j < h { forwardBlock(j, h - j, h, xr, hr, g, bias, cp, cn, tn, hn) }
      }
    }
  }

  /// Lanes j..<j+k of one row of the forward step (k = Lanes.scalarCount but for a ragged tail).
  @_transparent
  static func forwardBlock(
    _ j: Int, _ k: Int, _ h: Int, _ xr: UnsafePointer<Float>, _ hr: UnsafePointer<Float>,
    _ g: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
    _ cp: UnsafePointer<Float>, _ cn: UnsafeMutablePointer<Float>, _ tn: UnsafeMutablePointer<Float>,
    _ hn: UnsafeMutablePointer<Float>
  ) {
    // Gate block q's pre-activation: W_ih x + W_hh h + b (xr and hr may be g itself).
    @_transparent func pre(_ q: Int) -> Lanes {
      Lanes.load(xr + q * h + j, count: k) + Lanes.load(hr + q * h + j, count: k)
        + Lanes.load(bias + q * h + j, count: k)
    }
    let i = Activation.sigmoid(pre(0))
    let f = Activation.sigmoid(pre(1))
    let gg = Activation.tanh(pre(2))
    let o = Activation.sigmoid(pre(3))
    let c = f * Lanes.load(cp + j, count: k) + i * gg
    let tcv = Activation.tanh(c)
    i.store(to: g + j, count: k)
    f.store(to: g + h + j, count: k)
    gg.store(to: g + 2 * h + j, count: k)
    o.store(to: g + 3 * h + j, count: k)
    c.store(to: cn + j, count: k)
    tcv.store(to: tn + j, count: k)
    (o * tcv).store(to: hn + j, count: k)
  }

  /// Fills dgx (T, B, 4H) with ∂loss/∂(gate pre-activations), walking back from t = T−1.
  static func backward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    var dh = ws.dh, dhPrev = ws.dhPrev, dc = ws.dc, dcPrev = ws.dcPrev
    dh.update(repeating: 0, count: b * h)
    dc.update(repeating: 0, count: b * h)
    for t in stride(from: p.steps - 1, through: 0, by: -1) {
      let gates = p.at(ws.gx, step: t, width: gw)
      let dgx = p.at(ws.dgx, step: t, width: gw)
      let cPrev = p.at(ws.cs, step: t, width: h), tcNow = p.at(ws.tc, step: t, width: h)
      if let dOut = p.readoutGradient(step: t) { Vector.add(dOut, into: dh, count: b * h) }
      for row in 0..<b {
        let g = gates + row * gw, dg = dgx + row * gw
        let cp = cPrev + row * h, tcv = tcNow + row * h
        let dhr = dh + row * h, dcr = dc + row * h
        let dhp = dhPrev + row * h, dcp = dcPrev + row * h
        var j = 0
        while j + Lanes.scalarCount <= h {
          backwardBlock(j, Lanes.scalarCount, h, g, dg, cp, tcv, dhr, dcr, dhp, dcp)
          j += Lanes.scalarCount
        }
        if j < h { backwardBlock(j, h - j, h, g, dg, cp, tcv, dhr, dcr, dhp, dcp) }
      }
      guard t > 0 else { break }
      p.addRecurrentGradient(of: dgx, into: dhPrev)
      swap(&dh, &dhPrev)
      swap(&dc, &dcPrev)
    }
  }

  /// Lanes j..<j+k of one row of the backward step.
  @_transparent
  static func backwardBlock(
    _ j: Int, _ k: Int, _ h: Int, _ g: UnsafePointer<Float>, _ dg: UnsafeMutablePointer<Float>,
    _ cp: UnsafePointer<Float>, _ tcv: UnsafePointer<Float>, _ dhr: UnsafePointer<Float>,
    _ dcr: UnsafePointer<Float>, _ dhp: UnsafeMutablePointer<Float>, _ dcp: UnsafeMutablePointer<Float>
  ) {
    let i = Lanes.load(g + j, count: k), f = Lanes.load(g + h + j, count: k)
    let gg = Lanes.load(g + 2 * h + j, count: k), og = Lanes.load(g + 3 * h + j, count: k)
    let tj = Lanes.load(tcv + j, count: k), dhj = Lanes.load(dhr + j, count: k)
    let dcj = Lanes.load(dcr + j, count: k) + dhj * og * (1 - tj * tj)
    (dcj * gg * i * (1 - i)).store(to: dg + j, count: k)
    (dcj * Lanes.load(cp + j, count: k) * f * (1 - f)).store(to: dg + h + j, count: k)
    (dcj * i * (1 - gg * gg)).store(to: dg + 2 * h + j, count: k)
    (dhj * tj * og * (1 - og)).store(to: dg + 3 * h + j, count: k)
    (dcj * f).store(to: dcp + j, count: k)
    Lanes().store(to: dhp + j, count: k)
  }
}
