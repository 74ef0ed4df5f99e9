import LinearAlgebra
import Testing

@Suite("AlignedFloats: a cache-line-aligned Float buffer with value semantics")
struct AlignedFloatsTests {
  static func address(_ buffer: AlignedFloats) -> Int {
    buffer.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
  }

  /// Many sizes, allocated between other allocations of odd sizes (which is what leaves a Swift
  /// array's elements at any multiple of 16 bytes), and the copy a write makes of shared storage.
  @Test("every buffer and every copy starts a 64-byte line")
  func aligned() {
    var keep: [Any] = []
    for count in [0, 1, 3, 16, 17, 100, 4_099, 101_317] {
      keep.append([UInt8](repeating: 1, count: 24 + count % 40))
      let buffer = AlignedFloats(repeating: 1, count: count)
      #expect(Self.address(buffer) % AlignedFloats.alignment == 0, "count \(count)")
      var copy = buffer
      if count > 0 { copy[0] = 2 }
      #expect(Self.address(copy) % AlignedFloats.alignment == 0, "copy of count \(count)")
      keep.append(buffer)
      keep.append(copy)
    }
    #expect(keep.count == 24)
  }

  @Test("a write to a copy leaves the original alone; an unshared buffer is written in place")
  func copyOnWrite() {
    let original: AlignedFloats = [1, 2, 3]
    var copy = original
    #expect(Self.address(copy) == Self.address(original))
    copy[1] = 20
    #expect(Array(original) == [1, 2, 3] && Array(copy) == [1, 20, 3])
    #expect(Self.address(copy) != Self.address(original))

    var shared = copy
    shared.withUnsafeMutableBufferPointer { p in p[2] = 30 }
    #expect(Array(copy) == [1, 20, 3] && Array(shared) == [1, 20, 30])

    let before = Self.address(shared)
    shared[0] = 10
    shared.withUnsafeMutableBufferPointer { p in p[1] = 0 }
    #expect(Self.address(shared) == before && Array(shared) == [10, 0, 30])
  }

  @Test("built from a collection, compared element by element like [Float]")
  func values() {
    let values: [Float] = [0.5, -1, .infinity, 3]
    let buffer = AlignedFloats(values)
    #expect(Array(buffer) == values && buffer.count == 4 && buffer.indices == 0..<4)
    #expect(buffer == AlignedFloats(values))
    #expect(buffer != AlignedFloats([0.5, -1, .infinity]))
    #expect(AlignedFloats([.nan]) != AlignedFloats([.nan]))
    #expect(AlignedFloats(repeating: 7, count: 3) == [7, 7, 7])
    #expect(buffer.description == values.description)
    #expect(AlignedFloats([]).isEmpty)
  }

  @Test("scratch buffers start a line and are zero")
  func scratch() {
    for count in [0, 1, 5, 1_000] {
      let p = AlignedFloats.allocateScratch(count)
      defer { p.deallocate() }
      #expect(Int(bitPattern: p) % AlignedFloats.alignment == 0)
      #expect((0..<max(count, 1)).allSatisfy { p[$0] == 0 })
    }
  }
}
