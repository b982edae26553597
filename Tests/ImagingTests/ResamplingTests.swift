import Imaging
import Testing

struct ResamplingTests {
  @Test func areaHalvingAveragesEachBlockAndNearestKeepsLabels() throws {
    let grey: [UInt8] = [0, 100, 10, 10, 200, 100, 30, 50]  // 4 x 2
    #expect(try Resampling.area.resize(grey, width: 4, height: 2, to: 2, 1) == [100, 25])
    let labels: [UInt8] = [0, 255, 255, 0]  // 2 x 2
    let enlarged = try Resampling.nearest.resize(labels, width: 2, height: 2, to: 4, 4)
    #expect(Set(enlarged) == [0, 255])
    #expect(enlarged.filter { $0 == 255 }.count == 8)
  }

  @Test func floatsAndColourKeepTheirLayout() throws {
    let values: [Float] = [0, 1, 1, 0]
    let up = try Resampling.linear.resize(values, width: 2, height: 2, to: 4, 4)
    #expect(up.count == 16 && up.allSatisfy { (0...1).contains($0) })
    let image = RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 255, 0, 0])
    #expect(try image.resized(width: 1, height: 1, .area).pixels == [255, 0, 0])
  }
}
