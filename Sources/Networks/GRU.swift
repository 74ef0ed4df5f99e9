// GRU cell, PyTorch's `nn.GRU`, gate blocks [r; z; n]:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
// Shapes: the input projection W_ih x_t of a row is a row of gx (T, B, 3H), or for token inputs
// a row of `projections` (V, 3H); gx holds [r, z, n] after the step. gh (B, 3H) is the step's
// W_hh h_{t−1}; ghn (T, B, H) keeps W_hn h_{t−1} + b_hn; hs (T+1, B, H).
// Only what the backward pass reads is kept per step, to spare memory bandwidth, and nothing of
// it in a forward-only pass (`forBackward: false`).

import Specification
import LinearAlgebra

enum GRU {
  static func forward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    let bias = p.bias, bhn = p.recurrentBias + 2 * h, keep = p.forBackward
    for t in 0..<p.steps {
      let gates = p.at(ws.gx, step: t, width: gw)
      let ghn = p.at(ws.ghn, step: t, width: h)
      let hPrev = p.at(ws.hs, step: t, width: h)
      let hNew = p.at(ws.hs, step: t + 1, width: h)
      // W_hh h_{t−1}; for a zero h_0, a row of zeros read with stride 0.
      let recurrent: UnsafeMutablePointer<Float>, recurrentStride: Int
      if t > 0 || p.initialState {
        p.recurrentProjection(of: hPrev, into: ws.gh, beta: 0)
        (recurrent, recurrentStride) = (ws.gh, gw)
      } else {
        (recurrent, recurrentStride) = (ws.zeroRow, 0)
      }
      for row in 0..<b {
        let xr = UnsafePointer(p.inputProjection(step: t, row: row))
        let hr = UnsafePointer(recurrent + row * recurrentStride)
        let g = gates + row * gw
        let hp = hPrev + row * h, hn = hNew + row * h, sn = ghn + row * h
        var j = 0
        if keep {
          while j + Lanes.scalarCount <= h {
            forwardBlock(j, Lanes.scalarCount, h, xr, hr, bias, bhn, g, hp, hn, sn, keep: true)
            j += Lanes.scalarCount
          }
          if j < h { forwardBlock(j, h - j, h, xr, hr, bias, bhn, g, hp, hn, sn, keep: true) }
        } else {
          while j + Lanes.scalarCount <= h {
            forwardBlock(j, Lanes.scalarCount, h, xr, hr, bias, bhn, g, hp, hn, sn, keep: false)
            j += Lanes.scalarCount
          }
          if j < h { forwardBlock(j, h - j, h, xr, hr, bias, bhn, g, hp, hn, sn, keep: false) }
        }
      }
    }
  }

  /// Lanes j..<j+k of one row of the forward step (k = Lanes.scalarCount but for a ragged tail).
  @_transparent
  static func forwardBlock(
    _ j: Int, _ k: Int, _ h: Int, _ xr: UnsafePointer<Float>, _ hr: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>, _ bhn: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>,
    _ hp: UnsafePointer<Float>, _ hn: UnsafeMutablePointer<Float>, _ sn: UnsafeMutablePointer<Float>,
    keep: Bool
  ) {
    let r = Activation.sigmoid(
      Lanes.load(xr + j, count: k) + Lanes.load(hr + j, count: k) + Lanes.load(bias + j, count: k))
    let z = Activation.sigmoid(
      Lanes.load(xr + h + j, count: k) + Lanes.load(hr + h + j, count: k)
        + Lanes.load(bias + h + j, count: k))
    let recurrentN = Lanes.load(hr + 2 * h + j, count: k) + Lanes.load(bhn + j, count: k)
    let n = Activation.tanh(
      Activation.multiplyAdd(
        r, recurrentN, Lanes.load(xr + 2 * h + j, count: k) + Lanes.load(bias + 2 * h + j, count: k)))
    if keep {
      r.store(to: g + j, count: k)
      z.store(to: g + h + j, count: k)
      n.store(to: g + 2 * h + j, count: k)
      recurrentN.store(to: sn + j, count: k)
    }
    Activation.multiplyAdd(z, Lanes.load(hp + j, count: k) - n, n).store(to: hn + j, count: k)
  }

  /// Fills dgh (T, B, 3H) with ∂loss/∂(W_hh h + b_hh) and dBiasN with the sum of its n block,
  /// and the input side with ∂loss/∂(W_ih x + b_ih): dgx (T, B, 3H) for dense inputs, its
  /// per-token row sums in dTokens (V, 3H) for token inputs. Walks back from t = T−1.
  static func backward(_ p: Pass) {
    let ws = p.workspace, b = p.batch, h = p.hidden, gw = p.gateWidth
    var dh = ws.dh, dhPrev = ws.dhPrev
    dh.update(repeating: 0, count: b * h)
    let dbn = ws.dBiasN
    dbn.update(repeating: 0, count: h)
    if p.tokens != nil { ws.dTokens.update(repeating: 0, count: ws.shape.vocabulary * gw) }
    for t in stride(from: p.steps - 1, through: 0, by: -1) {
      let gates = p.at(ws.gx, step: t, width: gw)
      let ghn = p.at(ws.ghn, step: t, width: h)
      let dgh = p.at(ws.dgh, step: t, width: gw)
      let hPrev = p.at(ws.hs, step: t, width: h)
      // ∂loss/∂h_t = the running gradient + the readout's at this step (a row of zeros if none).
      let dOut: UnsafePointer<Float>, dOutStride: Int
      if let out = p.readoutGradient(step: t) { (dOut, dOutStride) = (UnsafePointer(out), h) } else {
        (dOut, dOutStride) = (UnsafePointer(ws.zeroRow), 0)
      }
      for row in 0..<b {
        let g = UnsafePointer(gates + row * gw), sn = UnsafePointer(ghn + row * h)
        let dr = dgh + row * gw
        // Token inputs sum into their token's row; dense inputs keep a row per position.
        let dx: UnsafeMutablePointer<Float>
        let accumulate = p.tokens != nil
        if let tokens = p.tokens {
          dx = ws.dTokens + Int(tokens[t * b + row]) * gw
        } else {
          dx = ws.dgx + (t * b + row) * gw
        }
        let hp = UnsafePointer(hPrev + row * h), d = UnsafePointer(dh + row * h)
        let o = dOut + row * dOutStride, dPrev = dhPrev + row * h
        var j = 0
        while j + Lanes.scalarCount <= h {
          backwardBlock(j, Lanes.scalarCount, h, accumulate, g, sn, hp, d, o, dr, dbn, dx, dPrev)
          j += Lanes.scalarCount
        }
        if j < h { backwardBlock(j, h - j, h, accumulate, g, sn, hp, d, o, dr, dbn, dx, dPrev) }
      }
      guard t > 0 else { break }
      p.addRecurrentGradient(of: dgh, into: dhPrev)
      swap(&dh, &dhPrev)
    }
  }

  /// Lanes j..<j+k of one row of the backward step.
  @_transparent
  static func backwardBlock(
    _ j: Int, _ k: Int, _ h: Int, _ accumulate: Bool, _ g: UnsafePointer<Float>,
    _ sn: UnsafePointer<Float>, _ hp: UnsafePointer<Float>, _ d: UnsafePointer<Float>,
    _ o: UnsafePointer<Float>, _ dr: UnsafeMutablePointer<Float>, _ dbn: UnsafeMutablePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, _ dPrev: UnsafeMutablePointer<Float>
  ) {
    let r = Lanes.load(g + j, count: k), z = Lanes.load(g + h + j, count: k)
    let n = Lanes.load(g + 2 * h + j, count: k)
    let dhj = Lanes.load(d + j, count: k) + Lanes.load(o + j, count: k)
    let dnPre = dhj * (1 - z) * (1 - n * n)
    let dzPre = dhj * (Lanes.load(hp + j, count: k) - n) * z * (1 - z)
    let drPre = dnPre * Lanes.load(sn + j, count: k) * r * (1 - r)
    let dhn = dnPre * r
    drPre.store(to: dr + j, count: k)
    dzPre.store(to: dr + h + j, count: k)
    dhn.store(to: dr + 2 * h + j, count: k)
    (Lanes.load(dbn + j, count: k) + dhn).store(to: dbn + j, count: k)
    if accumulate {
      (Lanes.load(dx + j, count: k) + drPre).store(to: dx + j, count: k)
      (Lanes.load(dx + h + j, count: k) + dzPre).store(to: dx + h + j, count: k)
      (Lanes.load(dx + 2 * h + j, count: k) + dnPre).store(to: dx + 2 * h + j, count: k)
    } else {
      drPre.store(to: dx + j, count: k)
      dzPre.store(to: dx + h + j, count: k)
      dnPre.store(to: dx + 2 * h + j, count: k)
    }
    (dhj * z).store(to: dPrev + j, count: k)
  }
}
