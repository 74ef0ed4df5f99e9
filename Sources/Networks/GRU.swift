// GRU cell, PyTorch's `nn.GRU`, gate blocks [r; z; n]:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
// Shapes: gx (T, B, 3H) holds W_ih x_t + b_ih on entry and [r, z, n] after the step;
// gh (T, B, 3H) holds W_hh h_{t−1} + b_hh; hs (T+1, B, H).

import LinearAlgebra

enum GRU {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    for t in 0..<p.steps {
      let gx = p.at(ws.gx, step: t, width: gw)
      let gh = p.at(ws.gh, step: t, width: gw)
      let hPrev = p.at(ws.hs, step: t, width: h)
      let hNew = p.at(ws.hs, step: t + 1, width: h)
      for row in 0..<b { (gh + row * gw).update(from: p.recurrentBias, count: gw) }
      if t > 0 || p.initialState { p.addRecurrentProjection(of: hPrev, into: gh) }
      for row in 0..<b {
        let xr = gx + row * gw, hr = gh + row * gw
        let hp = hPrev + row * h, hn = hNew + row * h
        for j in stride(from: 0, to: h, by: Lanes.scalarCount) {
          let k = h - j
          let r = Activation.sigmoid(Lanes.load(xr + j, count: k) + Lanes.load(hr + j, count: k))
          let z = Activation.sigmoid(
            Lanes.load(xr + h + j, count: k) + Lanes.load(hr + h + j, count: k))
          let n = Activation.tanh(
            Lanes.load(xr + 2 * h + j, count: k) + r * Lanes.load(hr + 2 * h + j, count: k))
          r.store(to: xr + j, count: k)
          z.store(to: xr + h + j, count: k)
          n.store(to: xr + 2 * h + j, count: k)
          (n + z * (Lanes.load(hp + j, count: k) - n)).store(to: hn + j, count: k)
        }
      }
    }
  }

  /// Fills dgx (T, B, 3H) with ∂loss/∂(W_ih x + b_ih) and dgh (T, B, 3H) with
  /// ∂loss/∂(W_hh h + b_hh), walking back from t = T−1.
  static func backward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    var dh = ws.dh, dhPrev = ws.dhPrev
    dh.update(repeating: 0, count: b * h)
    for t in stride(from: p.steps - 1, through: 0, by: -1) {
      let gates = p.at(ws.gx, step: t, width: gw)
      let gh = p.at(ws.gh, step: t, width: gw)
      let dgx = p.at(ws.dgx, step: t, width: gw)
      let dgh = p.at(ws.dgh, step: t, width: gw)
      let hPrev = p.at(ws.hs, step: t, width: h)
      if let dOut = p.readoutGradient(step: t) { Vector.add(dOut, into: dh, count: b * h) }
      for row in 0..<b {
        let g = gates + row * gw, rec = gh + row * gw
        let dx = dgx + row * gw, dr = dgh + row * gw
        let hp = hPrev + row * h, d = dh + row * h, dPrev = dhPrev + row * h
        for j in stride(from: 0, to: h, by: Lanes.scalarCount) {
          let k = h - j
          let r = Lanes.load(g + j, count: k), z = Lanes.load(g + h + j, count: k)
          let n = Lanes.load(g + 2 * h + j, count: k)
          let dhj = Lanes.load(d + j, count: k)
          let dnPre = dhj * (1 - z) * (1 - n * n)
          let dzPre = dhj * (Lanes.load(hp + j, count: k) - n) * z * (1 - z)
          let drPre = dnPre * Lanes.load(rec + 2 * h + j, count: k) * r * (1 - r)
          drPre.store(to: dx + j, count: k)
          dzPre.store(to: dx + h + j, count: k)
          dnPre.store(to: dx + 2 * h + j, count: k)
          drPre.store(to: dr + j, count: k)
          dzPre.store(to: dr + h + j, count: k)
          (dnPre * r).store(to: dr + 2 * h + j, count: k)
          (dhj * z).store(to: dPrev + j, count: k)
        }
      }
      guard t > 0 else { break }
      p.addRecurrentGradient(of: dgh, into: dhPrev)
      swap(&dh, &dhPrev)
    }
  }
}
