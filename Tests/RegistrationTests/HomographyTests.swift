import Registration
import Testing

@Suite struct HomographyTests {
  @Test func anInverseUndoesItsHomography() throws {
    let h = Homography([1.1, 0.05, 30, -0.04, 0.95, -12, 1e-5, -2e-5, 1])
    let inverse = try #require(h.inverse)
    let there = try #require(h.apply(120, 340))
    let back = try #require(inverse.apply(there.x, there.y))
    #expect(abs(back.x - 120) < 1e-9 && abs(back.y - 340) < 1e-9)
    let composed = inverse.after(h).normalised
    for (a, b) in zip(composed.matrix, Homography.identity.matrix) { #expect(abs(a - b) < 1e-12) }
  }
}
