import LinearAlgebra
import Randomness
import Testing

@Suite("cblas_sgemm wrapper")
struct BLASTests {
  /// Every transpose combination with odd shapes and padded leading dimensions, against a naive
  /// triple loop in Double.
  @Test(arguments: [(Transpose.none, Transpose.none), (.none, .transposed),
                    (.transposed, .none), (.transposed, .transposed)])
  func gemmMatchesNaive(transA: Transpose, transB: Transpose) {
    var random = SeededGenerator(seed: 5)
    let m = 7, n = 5, k = 3, pad = 2
    let aRows = transA == .none ? m : k, aCols = transA == .none ? k : m
    let bRows = transB == .none ? k : n, bCols = transB == .none ? n : k
    let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
    let a = (0..<(aRows * lda)).map { _ in random.uniform(-1, 1) }
    let b = (0..<(bRows * ldb)).map { _ in random.uniform(-1, 1) }
    var c = (0..<(m * ldc)).map { _ in random.uniform(-1, 1) }
    let c0 = c
    BLAS.gemm(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
              beta: 2, c: &c, ldc: ldc)
    func opA(_ i: Int, _ j: Int) -> Double { Double(transA == .none ? a[i * lda + j] : a[j * lda + i]) }
    func opB(_ i: Int, _ j: Int) -> Double { Double(transB == .none ? b[i * ldb + j] : b[j * ldb + i]) }
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum += opA(i, p) * opB(p, j) }
        let expected = 0.5 * sum + 2 * Double(c0[i * ldc + j])
        #expect(abs(Double(c[i * ldc + j]) - expected) < 1e-5)
      }
      for j in n..<ldc { #expect(c[i * ldc + j] == c0[i * ldc + j], "padding must be untouched") }
    }
  }

  @Test("gemv, both orientations")
  func gemv() {
    let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2 × 3
    var y: [Float] = [1, 1]
    BLAS.gemv(.none, rows: 2, columns: 3, a: a, lda: 3, x: [1, 0, -1], beta: 1, y: &y)
    #expect(y == [-1, -1])
    var z: [Float] = [0, 0, 0]
    BLAS.gemv(.transposed, rows: 2, columns: 3, a: a, lda: 3, x: [1, 1], beta: 0, y: &z)
    #expect(z == [5, 7, 9])
  }

  @Test("OpenBLAS can be made single-threaded")
  func threads() {
    BLAS.threads = 1
    #expect(BLAS.threads == 1)
    #expect(!BLAS.configuration.isEmpty)
  }
}

@Suite("Start-up CPU guard")
struct CPUGuardTests {
  @Test("a CPU without AVX2 or FMA is refused with one line naming what it lacks")
  func decision() throws {
    let required = ["avx2", "fma"]
    let skylake = "fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 avx512f avx512bw"
    #expect(CPUGuard.refusal(cpuFlags: skylake, required: required) == nil)
    #expect(CPUGuard.refusal(cpuFlags: " fma\tavx2 ", required: required) == nil)
    let old = try #require(CPUGuard.refusal(cpuFlags: "fpu sse sse2 ssse3 avx", required: required))
    #expect(old.contains("(it lacks avx2, fma)") && !old.contains("\n"))
    let noFMA = try #require(CPUGuard.refusal(cpuFlags: "sse2 avx avx2", required: required))
    #expect(noFMA.contains("(it lacks fma)"))
    // Unknown flags (not Linux) and a baseline build accept every CPU.
    #expect(CPUGuard.refusal(cpuFlags: nil, required: required) == nil)
    #expect(CPUGuard.refusal(cpuFlags: "sse2", required: []) == nil)
  }

  @Test("the build asks for what it was compiled with, and this machine has it")
  func thisMachine() {
    #if arch(x86_64) && os(Linux)
    // Package.swift compiles the numeric modules for haswell unless TABOO_PORTABLE is set.
    #expect(CPUGuard.requiredFlags == ["avx2", "fma"] || CPUGuard.requiredFlags.isEmpty)
    #endif
    #expect(CPUGuard.refusal(cpuFlags: CPUGuard.cpuinfoFlags()) == nil)
  }
}
