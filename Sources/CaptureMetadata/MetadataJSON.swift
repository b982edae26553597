/// The JSON form of `CaptureMetadata` printed by `crackmon metadata` and kept with
/// each capture in the store: flat, snake_case, every key always present (null when unknown).
extension CaptureMetadata: Encodable {
  enum CodingKeys: String, CodingKey {
    case path, sha256, container, make, model, width, height, orientation, warnings, drone, dji
    case fileSize = "file_size"
    case dateTimeOriginal = "datetime_original"
    case offsetTimeOriginal = "offset_time_original"
    case gpsTimeUTC = "gps_datetime_utc"
    case gpsStatus = "gps_status"
    case gpsProblem = "gps_problem"
    case latitude, longitude
    case altitude = "altitude_m"
    case altitudeRef = "altitude_ref"
    case altitudeKnown = "altitude_known"
    case focalLength = "focal_length_mm"
    case focalLength35mm = "focal_length_35mm"
    case subjectDistance = "subject_distance_m"
    case focalPlaneX = "focal_plane_x_resolution"
    case focalPlaneY = "focal_plane_y_resolution"
    case focalPlaneUnit = "focal_plane_resolution_unit"
    case imageDataComplete = "image_data_complete"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(path, forKey: .path)
    try c.encode(sha256, forKey: .sha256)
    try c.encode(fileSize, forKey: .fileSize)
    try c.encode(container, forKey: .container)
    try c.encode(make, forKey: .make)
    try c.encode(model, forKey: .model)
    try c.encode(dateTimeOriginal, forKey: .dateTimeOriginal)
    try c.encode(offsetTimeOriginal, forKey: .offsetTimeOriginal)
    try c.encode(gps.timeUTC, forKey: .gpsTimeUTC)
    try c.encode(gps.status, forKey: .gpsStatus)
    try c.encode(gps.problem, forKey: .gpsProblem)
    try c.encode(gps.latitude, forKey: .latitude)
    try c.encode(gps.longitude, forKey: .longitude)
    try c.encode(gps.altitude, forKey: .altitude)
    try c.encode(gps.altitudeReference, forKey: .altitudeRef)
    try c.encode(gps.altitudeKnown, forKey: .altitudeKnown)
    try c.encode(drone, forKey: .drone)
    // The key this object had when only DJI packets were read, kept for scripts that use it.
    try c.encode(drone?.maker == .dji ? drone : nil, forKey: .dji)
    try c.encode(focalLength, forKey: .focalLength)
    try c.encode(focalLength35mm, forKey: .focalLength35mm)
    try c.encode(subjectDistance, forKey: .subjectDistance)
    try c.encode(focalPlane?.x, forKey: .focalPlaneX)
    try c.encode(focalPlane?.y, forKey: .focalPlaneY)
    try c.encode(focalPlane?.unit, forKey: .focalPlaneUnit)
    try c.encode(width, forKey: .width)
    try c.encode(height, forKey: .height)
    try c.encode(orientation, forKey: .orientation)
    try c.encode(imageDataComplete, forKey: .imageDataComplete)
    try c.encode(warnings, forKey: .warnings)
  }
}

extension DroneMetadata: Encodable {
  enum CodingKeys: String, CodingKey {
    case maker
    case laserRange = "laser_range_m"
    case relativeAltitude = "relative_altitude_m"
    case absoluteAltitude = "absolute_altitude_m"
    case gimbalPitch = "gimbal_pitch_deg"
    case gimbalYaw = "gimbal_yaw_deg"
    case gimbalRoll = "gimbal_roll_deg"
    case flightYaw = "flight_yaw_deg"
    case flightPitch = "flight_pitch_deg"
    case flightRoll = "flight_roll_deg"
    case calibratedFocalLength = "calibrated_focal_length_px"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(maker, forKey: .maker)
    try c.encode(relativeAltitude, forKey: .relativeAltitude)
    try c.encode(absoluteAltitude, forKey: .absoluteAltitude)
    try c.encode(gimbalPitch, forKey: .gimbalPitch)
    try c.encode(gimbalYaw, forKey: .gimbalYaw)
    try c.encode(gimbalRoll, forKey: .gimbalRoll)
    try c.encode(flightYaw, forKey: .flightYaw)
    try c.encode(flightPitch, forKey: .flightPitch)
    try c.encode(flightRoll, forKey: .flightRoll)
    try c.encode(calibratedFocalLength, forKey: .calibratedFocalLength)
    try c.encode(laserRangeMetres, forKey: .laserRange)
  }
}
