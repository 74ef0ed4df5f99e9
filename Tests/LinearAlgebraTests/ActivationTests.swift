import Foundation
import LinearAlgebra
import Testing

@Suite("Vectorisable activations against libm")
struct ActivationTests {
  /// 200,001 points over the range where the network's pre-activations live, and beyond.
  static let grid: [Float] = (0...200_000).map { Float(-50 + Double($0) * 1e-4 * 5) }

  @Test("exp within 2 ulp on [−87, 88]")
  func exp() {
    var worst: Float = 0
    for x in stride(from: Float(-87), through: 88, by: 0.0137) {
      let expected = Foundation.exp(Double(x))
      let ulp = Double(Float(expected).ulp)
      worst = max(worst, Float(abs(Double(Activation.exp(x)) - expected) / ulp))
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
    #expect(Activation.exp(-1000) >= 0 && Activation.exp(-1000) < 1e-37)
    #expect(Activation.exp(.nan).isNaN)
  }

  @Test("sigmoid and tanh within 3e-7 absolute and 5 ulp relative")
  func sigmoidAndTanh() {
    var worstAbsolute = 0.0, worstUlp = 0.0
    for x in Self.grid + [0, -0, 1e-30, -1e-30, 1e-8, 0.6249, 0.6251, -0.625] {
      let pairs = [
        (Double(Activation.sigmoid(x)), 1 / (1 + Foundation.exp(-Double(x)))),
        (Double(Activation.tanh(x)), Foundation.tanh(Double(x))),
      ]
      for (actual, expected) in pairs {
        worstAbsolute = max(worstAbsolute, abs(actual - expected))
        let ulp = Double(Float(expected).ulp)
        if ulp > 0 { worstUlp = max(worstUlp, abs(actual - expected) / ulp) }
      }
    }
    #expect(worstAbsolute <= 3e-7, "absolute \(worstAbsolute)")
    #expect(worstUlp <= 5, "\(worstUlp) ulp")
    #expect(Activation.tanh(30) == 1 && Activation.tanh(-30) == -1)
    #expect(Activation.sigmoid(100) == 1 && Activation.sigmoid(-100) >= 0)
  }

  @Test("the lanes give the scalar results bit for bit, ragged tails included")
  func lanesMatchScalar() {
    let xs = Self.grid + [.nan, .infinity, -.infinity, 0, -0, 100, -100]
    var lanes = [Float](repeating: 0, count: xs.count)
    for (name, scalar, vector) in [
      ("exp", Activation.exp as (Float) -> Float, Activation.exp as (Lanes) -> Lanes),
      ("sigmoid", Activation.sigmoid, Activation.sigmoid),
      ("tanh", Activation.tanh, Activation.tanh),
    ] {
      xs.withUnsafeBufferPointer { x in
        lanes.withUnsafeMutableBufferPointer { y in
          for i in stride(from: 0, to: x.count, by: Lanes.scalarCount) {
            vector(Lanes.load(x.baseAddress! + i, count: x.count - i))
              .store(to: y.baseAddress! + i, count: x.count - i)
          }
        }
      }
      let mismatches = xs.indices.filter {
        lanes[$0].bitPattern != scalar(xs[$0]).bitPattern && !(lanes[$0].isNaN && xs[$0].isNaN)
      }
      #expect(mismatches.isEmpty, "\(name): \(mismatches.prefix(3).map { xs[$0] })")
    }
  }
}

@Suite("OpenBLAS kernel choice")
struct KernelSelectionTests {
  @Test("AVX-512 CPUs get SkylakeX when OpenBLAS fell back; good choices are kept")
  func choice() {
    let avx512: Set = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    #expect(BLAS.betterCoreType(cpuFlags: avx512, current: "Prescott") == "SkylakeX")
    #expect(BLAS.betterCoreType(cpuFlags: avx512, current: "SkylakeX") == nil)
    #expect(BLAS.betterCoreType(cpuFlags: ["avx2", "fma"], current: "Prescott") == "Haswell")
    #expect(BLAS.betterCoreType(cpuFlags: ["avx2", "fma"], current: "Zen") == nil)
    #expect(BLAS.betterCoreType(cpuFlags: ["sse2"], current: "Prescott") == nil)
  }
}
