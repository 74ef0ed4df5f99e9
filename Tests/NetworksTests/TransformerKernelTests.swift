import Foundation
import Networks
import Testing

@Suite("Transformer kernels")
struct TransformerKernelTests {
  /// The vectorised GELU and its derivative against libm's erf in Double, on a grid over
  /// [−10, 10] (ragged tail included): within 1e-6 absolute plus 2e-6 relative. The absolute
  /// part is for x < −4, where 1 + erf(x/√2) cancels to a few ulp of 1 in Float32 (libm's `erff`
  /// included) and GELU itself is below 1e-4.
  @Test("GELU and its derivative match erf from libm")
  func gelu() {
    let x = (0..<20_003).map { Float(-10 + 20 * Double($0) / 20_002) }
    var y = [Float](repeating: 0, count: x.count), d = [Float](repeating: 1, count: x.count)
    x.withUnsafeBufferPointer { xp in
      TransformerKernels.geluForward(xp.baseAddress!, into: &y, count: x.count)
      TransformerKernels.geluBackward(xp.baseAddress!, gradient: &d, count: x.count)
    }
    var worstValue = (ratio: 0.0, at: 0.0), worstSlope = (ratio: 0.0, at: 0.0)
    for (i, xf) in x.enumerated() {
      let v = Double(xf)
      let cdf = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
      let value = v * cdf, slope = cdf + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
      let r1 = abs(Double(y[i]) - value) / (1e-6 + 2e-6 * abs(value))
      let r2 = abs(Double(d[i]) - slope) / (1e-6 + 2e-6 * abs(slope))
      if r1 > worstValue.ratio { worstValue = (r1, v) }
      if r2 > worstSlope.ratio { worstSlope = (r2, v) }
    }
    #expect(worstValue.ratio <= 1, "GELU: \(worstValue.ratio)× the tolerance at \(worstValue.at)")
    #expect(worstSlope.ratio <= 1, "GELU': \(worstSlope.ratio)× the tolerance at \(worstSlope.at)")
    // The same tolerance rejects the tanh approximation of GELU.
    let tanhForm = x.map { v in 0.5 * v * (1 + Foundation.tanh(0.797_884_6 * (v + 0.044_715 * v * v * v))) }
    let off = zip(tanhForm, x).map { t, xf -> Double in
      let v = Double(xf), value = v * 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
      return abs(Double(t) - value) / (1e-6 + 2e-6 * abs(value))
    }.max()!
    #expect(off > 1)
  }
}
