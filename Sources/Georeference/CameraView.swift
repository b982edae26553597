import CaptureMetadata

/// Which way the camera looked, which decides how a photo can be scaled and placed.
public enum CameraView: String, Codable, Sendable {
  /// Straight down (gimbal pitch within `nadirTolerance` of −90°): altitude above the surface gives scale.
  case nadir
  /// Tilted or level (facades, piers, tunnel walls): altitude says nothing about scale.
  case oblique
  /// No gimbal attitude recorded (phones, most cameras).
  case unknown

  /// Degrees from straight down still treated as nadir.
  public static let nadirTolerance = 10.0

  public init(_ drone: DroneMetadata?) {
    guard let pitch = drone?.gimbalPitch else {
      self = .unknown
      return
    }
    self = abs(pitch + 90) <= Self.nadirTolerance ? .nadir : .oblique
  }
}
