// GRU cell, PyTorch's `nn.GRU`, gate blocks [r; z; n]:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
// Shapes: gx (T, B, 3H) holds W_ih x_t on entry and [r, z, n] after the step; gh (B, 3H) is the
// step's W_hh h_{t−1}; ghn (T, B, H) keeps W_hn h_{t−1} + b_hn; hs (T+1, B, H).
// Only what the backward pass reads is kept per step, to spare memory bandwidth.

import LinearAlgebra

enum GRU {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    let bias = p.bias, bhn = p.recurrentBias + 2 * h
    for t in 0..<p.steps {
      let gx = p.at(ws.gx, step: t, width: gw)
      let gh = ws.gh
      let ghn = p.at(ws.ghn, step: t, width: h)
      let hPrev = p.at(ws.hs, step: t, width: h)
      let hNew = p.at(ws.hs, step: t + 1, width: h)
      if t > 0 || p.initialState {
        p.recurrentProjection(of: hPrev, into: gh, beta: 0)
      } else {
        gh.update(repeating: 0, count: b * gw)
      }
      for row in 0..<b {
        let xr = gx + row * gw, hr = gh + row * gw
        let hp = hPrev + row * h, hn = hNew + row * h, sn = ghn + row * h
        for j in stride(from: 0, to: h, by: Lanes.scalarCount) {
          let k = h - j
          let r = Activation.sigmoid(
            Lanes.load(xr + j, count: k) + Lanes.load(hr + j, count: k) + Lanes.load(bias + j, count: k))
          let z = Activation.sigmoid(
            Lanes.load(xr + h + j, count: k) + Lanes.load(hr + h + j, count: k)
              + Lanes.load(bias + h + j, count: k))
          let recurrentN = Lanes.load(hr + 2 * h + j, count: k) + Lanes.load(bhn + j, count: k)
          let n = Activation.tanh(
            Lanes.load(xr + 2 * h + j, count: k) + Lanes.load(bias + 2 * h + j, count: k)
              + r * recurrentN)
          r.store(to: xr + j, count: k)
          z.store(to: xr + h + j, count: k)
          n.store(to: xr + 2 * h + j, count: k)
          recurrentN.store(to: sn + j, count: k)
          (n + z * (Lanes.load(hp + j, count: k) - n)).store(to: hn + j, count: k)
        }
      }
    }
  }

  /// Fills dgx (T, B, 3H) with ∂loss/∂(W_ih x + b_ih) and dghn (T, B, H) with the n block of
  /// ∂loss/∂(W_hh h + b_hh) (its r and z blocks equal those of dgx), walking back from t = T−1.
  static func backward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    var dh = ws.dh, dhPrev = ws.dhPrev
    dh.update(repeating: 0, count: b * h)
    for t in stride(from: p.steps - 1, through: 0, by: -1) {
      let gates = p.at(ws.gx, step: t, width: gw)
      let ghn = p.at(ws.ghn, step: t, width: h)
      let dgx = p.at(ws.dgx, step: t, width: gw)
      let dgh = ws.dgh
      let dghn = p.at(ws.dghn, step: t, width: h)
      let hPrev = p.at(ws.hs, step: t, width: h)
      if let dOut = p.readoutGradient(step: t) { Vector.add(dOut, into: dh, count: b * h) }
      for row in 0..<b {
        let g = gates + row * gw, sn = ghn + row * h
        let dx = dgx + row * gw, dr = dgh + row * gw, dn = dghn + row * h
        let hp = hPrev + row * h, d = dh + row * h, dPrev = dhPrev + row * h
        for j in stride(from: 0, to: h, by: Lanes.scalarCount) {
          let k = h - j
          let r = Lanes.load(g + j, count: k), z = Lanes.load(g + h + j, count: k)
          let n = Lanes.load(g + 2 * h + j, count: k)
          let dhj = Lanes.load(d + j, count: k)
          let dnPre = dhj * (1 - z) * (1 - n * n)
          let dzPre = dhj * (Lanes.load(hp + j, count: k) - n) * z * (1 - z)
          let drPre = dnPre * Lanes.load(sn + j, count: k) * r * (1 - r)
          drPre.store(to: dx + j, count: k)
          dzPre.store(to: dx + h + j, count: k)
          dnPre.store(to: dx + 2 * h + j, count: k)
          drPre.store(to: dr + j, count: k)
          dzPre.store(to: dr + h + j, count: k)
          (dnPre * r).store(to: dr + 2 * h + j, count: k)
          (dnPre * r).store(to: dn + j, count: k)
          (dhj * z).store(to: dPrev + j, count: k)
        }
      }
      guard t > 0 else { break }
      p.addRecurrentGradient(of: dgh, into: dhPrev)
      swap(&dh, &dhPrev)
    }
  }
}
