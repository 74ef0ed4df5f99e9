// A Float32 buffer whose first element starts a cache line: the storage of a network's
// parameters (docs/design.md §9).
//
// Why: a Swift array's elements start 32 bytes into a heap block that malloc aligns to 16 bytes,
// so they start at any multiple of 16 bytes within a 64-byte line, depending on where the block
// landed. OpenBLAS's small-matrix kernels stream the weight matrix of a product like
// ∂input = ∂output · W a 64-byte vector at a time; when W is not line-aligned every such load
// spans two lines, and the transformer's step at batch 2 took 8% longer (0.164 against
// 0.151 ms), in three of four allocations, at random. Every tensor of a parameter layout whose
// sizes are multiples of 16 floats then starts a line too.

/// A fixed-size buffer of Float with value semantics (copy on write) whose first element is
/// 64-byte aligned. Read and written like an array; `Array(buffer)` converts.
public struct AlignedFloats: Sendable {
  /// The alignment of the first element, in bytes.
  public static let alignment = 64

  final class Storage: @unchecked Sendable {
    // Written only through a uniquely referenced storage (`makeUnique`), so sharing is safe.
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
      precondition(count >= 0, "negative count")
      self.count = count
      base = UnsafeMutableRawPointer.allocate(
        byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: AlignedFloats.alignment
      ).bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    deinit { base.deallocate() }
  }

  private var storage: Storage

  /// `count` copies of `value`.
  public init(repeating value: Float, count: Int) {
    storage = Storage(count: count)
    storage.base.initialize(repeating: value, count: count)
  }

  /// The elements of `values`, in order.
  public init(_ values: some Collection<Float>) {
    storage = Storage(count: values.count)
    var i = 0
    for value in values {
      (storage.base + i).initialize(to: value)
      i += 1
    }
  }

  /// Gives `self` its own storage before a write when another value shares it.
  private mutating func makeUnique() {
    if isKnownUniquelyReferenced(&storage) { return }
    let copy = Storage(count: storage.count)
    copy.base.initialize(from: storage.base, count: storage.count)
    storage = copy
  }

  /// Calls `body` with the elements (valid only inside `body`).
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: baseAddress, count: count))
  }

  /// Calls `body` with the elements to read and write (valid only inside `body`; `body` must not
  /// change the buffer's base address or count).
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    var buffer = UnsafeMutableBufferPointer(start: mutableBaseAddress(), count: count)
    let start = buffer.baseAddress, n = buffer.count
    defer { precondition(buffer.baseAddress == start && buffer.count == n, "the buffer was replaced") }
    return try body(&buffer)
  }

  private var baseAddress: UnsafePointer<Float> { UnsafePointer(storage.base) }

  private mutating func mutableBaseAddress() -> UnsafeMutablePointer<Float> {
    makeUnique()
    return storage.base
  }
}

extension AlignedFloats: RandomAccessCollection, MutableCollection {
  public var startIndex: Int { 0 }
  public var endIndex: Int { storage.count }
  public var count: Int { storage.count }

  public subscript(position: Int) -> Float {
    get {
      precondition(position >= 0 && position < storage.count, "index \(position) out of range")
      return storage.base[position]
    }
    set {
      precondition(position >= 0 && position < storage.count, "index \(position) out of range")
      makeUnique()
      storage.base[position] = newValue
    }
  }
}

extension AlignedFloats: Equatable {
  /// Element by element, as `[Float]` compares (so a NaN is unequal to itself).
  public static func == (lhs: AlignedFloats, rhs: AlignedFloats) -> Bool {
    lhs.elementsEqual(rhs)
  }
}

extension AlignedFloats: ExpressibleByArrayLiteral {
  public init(arrayLiteral elements: Float...) { self.init(elements) }
}

extension AlignedFloats: CustomStringConvertible {
  public var description: String { Array(self).description }
}

extension AlignedFloats {
  /// `max(count, 1)` zeroed floats starting a cache line, for a workspace's scratch buffers (the
  /// caller deallocates them). Aligned like the parameters, so that OpenBLAS's operands and the
  /// vector kernels' loads do not span two lines.
  public static func allocateScratch(_ count: Int) -> UnsafeMutablePointer<Float> {
    let n = Swift.max(count, 1)
    let p = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: alignment)
      .bindMemory(to: Float.self, capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
  }
}
