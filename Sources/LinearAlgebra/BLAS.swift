// The one door to OpenBLAS. Every routine taboo uses is a thin, typed wrapper here that checks
// shapes, converts sizes and names the CBLAS routine it calls; no other file imports COpenBLAS.
//
// All matrices are row-major Float32. A matrix argument is a pointer plus its leading dimension
// (the distance between consecutive rows, in elements).

import COpenBLAS

/// Whether a matrix operand is used as stored or transposed.
public enum Transpose: Sendable {
  case none
  case transposed

  fileprivate var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

public enum BLAS {
  /// `C = alpha · op(A) · op(B) + beta · C` through `cblas_sgemm`, row-major.
  ///
  /// Shapes: op(A) is (m × k), op(B) is (k × n), C is (m × n). `lda`, `ldb`, `ldc` are the row
  /// strides of A, B and C as stored. A zero-sized product leaves C scaled by beta.
  @inlinable
  public static func gemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
          beta: beta, c: c, ldc: ldc)
  }

  @usableFromInline
  static func sgemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "cblas_sgemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(lda >= max(1, transA == .none ? k : m), "cblas_sgemm: lda \(lda) too small")
    precondition(ldb >= max(1, transB == .none ? n : k), "cblas_sgemm: ldb \(ldb) too small")
    precondition(ldc >= max(1, n), "cblas_sgemm: ldc \(ldc) too small")
    if m == 0 || n == 0 { return }
    cblas_sgemm(
      CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// `y = alpha · op(A) · x + beta · y` through `cblas_sgemv`; A is (rows × columns) as stored.
  public static func gemv(
    _ trans: Transpose, rows: Int, columns: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
    beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0 && columns >= 0, "cblas_sgemv: negative size")
    precondition(lda >= max(1, columns), "cblas_sgemv: lda \(lda) too small")
    if rows == 0 || columns == 0 {
      let count = trans == .none ? rows : columns
      if beta == 0 { y.update(repeating: 0, count: count) } else {
        for i in 0..<count { y[i] *= beta }
      }
      return
    }
    cblas_sgemv(
      CblasRowMajor, trans.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda),
      x, 1, beta, y, 1)
  }

  /// The number of threads OpenBLAS uses inside one call. taboo runs one simulation per thread
  /// and keeps OpenBLAS single-threaded (`openblas_set_num_threads`).
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }

  /// OpenBLAS's build description (`openblas_get_config`), e.g. its kernel target.
  public static var configuration: String {
    guard let text = openblas_get_config() else { return "unknown" }
    return String(cString: text)
  }
}
