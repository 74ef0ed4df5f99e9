// LSTM cell, PyTorch's `nn.LSTM`, gate blocks [i; f; g; o]:
//   i = σ(·), f = σ(·), g = tanh(·), o = σ(·)   of W_ih x + b_ih + W_hh h + b_hh
//   c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
// Shapes: gx (T, B, 4H) holds W_ih x_t + b_ih + b_hh on entry and [i, f, g, o] after the step;
// cs (T+1, B, H) cell states; tc (T, B, H) tanh(c_t); hs (T+1, B, H).

import LinearAlgebra

enum LSTM {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    for t in 0..<p.steps {
      let gx = p.at(ws.gx, step: t, width: gw)
      let hPrev = p.at(ws.hs, step: t, width: h)
      if t > 0 || p.initialState { p.addRecurrentProjection(of: hPrev, into: gx) }
      let cPrev = p.at(ws.cs, step: t, width: h), cNew = p.at(ws.cs, step: t + 1, width: h)
      let tcNew = p.at(ws.tc, step: t, width: h), hNew = p.at(ws.hs, step: t + 1, width: h)
      for row in 0..<b {
        let g = gx + row * gw
        let cp = cPrev + row * h, cn = cNew + row * h, tn = tcNew + row * h, hn = hNew + row * h
        for j in 0..<h {
          let i = Activation.sigmoid(g[j])
          let f = Activation.sigmoid(g[h + j])
          let gg = Activation.tanh(g[2 * h + j])
          let o = Activation.sigmoid(g[3 * h + j])
          let c = f * cp[j] + i * gg
          let tcv = Activation.tanh(c)
          g[j] = i
          g[h + j] = f
          g[2 * h + j] = gg
          g[3 * h + j] = o
          cn[j] = c
          tn[j] = tcv
          hn[j] = o * tcv
        }
      }
    }
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
        for j in 0..<h {
          let i = g[j], f = g[h + j], gg = g[2 * h + j], og = g[3 * h + j], tj = tcv[j]
          let dhj = dhr[j]
          let dcj = dcr[j] + dhj * og * (1 - tj * tj)
          dg[j] = dcj * gg * i * (1 - i)
          dg[h + j] = dcj * cp[j] * f * (1 - f)
          dg[2 * h + j] = dcj * i * (1 - gg * gg)
          dg[3 * h + j] = dhj * tj * og * (1 - og)
          dcp[j] = dcj * f
          dhp[j] = 0
        }
      }
      guard t > 0 else { break }
      p.addRecurrentGradient(of: dgx, into: dhPrev)
      swap(&dh, &dhPrev)
      swap(&dc, &dcPrev)
    }
  }
}
