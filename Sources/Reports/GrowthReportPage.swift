import Foundation
import Growth
import Mustache
import Store

/// The growth report as one self-contained HTML page: summary, tracks by urgency, an
/// inline SVG chart per track and the crack drawn on its latest photo (embedded JPEG).
/// Nothing is fetched from the network; the page has no scripts.
public struct GrowthReportPage {
  public let report: GrowthReport
  private let photos: [String: ObservationInCycle]
  private let chains: [String: RegisteredFrames.Chain]
  private let photoFiles: [String: String]?

  /// `observations` (`DeviceStore.observations(asset:)`) give each track's photo and polyline
  /// for the overlays; `chains` (`AssetTracking.Summary.chains`), the registrations that align
  /// each cycle's photo of a track with the latest. `photoFiles`: where each capture's photo
  /// is to be read (by capture id), where it is not at the path it was ingested from (the
  /// central server's blobs); a photo not in it is not drawn.
  public init(
    report: GrowthReport, observations: [ObservationInCycle], chains: [String: RegisteredFrames.Chain] = [:],
    photoFiles: [String: String]? = nil
  ) {
    self.report = report
    self.chains = chains
    self.photoFiles = photoFiles
    photos = Dictionary(observations.map { ($0.observation.id, $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// The file to read an observation's photo from, if there is one.
  private func file(of photo: ObservationInCycle) -> String? {
    guard let photoFiles else { return photo.sourcePath }
    return photoFiles[photo.observation.captureId]
  }

  public func render() throws -> String {
    let template = try MustacheTemplate(string: Self.template)
    return template.render(context())
  }

  private func number(_ v: Double?, _ digits: Int = 2) -> String {
    v.map { Self.fixed($0, digits) } ?? "–"
  }

  /// `v` to `digits` decimals, with a sign when `signed`; a value that rounds to zero is
  /// "0.00" (or "+0.00"), never "-0.00": a still crack has not shrunk.
  static func fixed(_ v: Double, _ digits: Int, signed: Bool = false) -> String {
    let scale = (0..<digits).reduce(1.0) { product, _ in product * 10 }
    let rounded = (v * scale).rounded() / scale
    return String(format: signed ? "%+.\(digits)f" : "%.\(digits)f", rounded == 0 ? 0 : rounded)
  }

  private func context() -> [String: Any] {
    let splitsAndMerges = report.events.filter { $0.kind == "split" || $0.kind == "merge" }
    // Each track drawn on its latest photo, every photo decoded once.
    let overlays = CrackOverlay.jpegs(
      report.tracks.compactMap { track in
        track.points.last.flatMap { photos[$0.observationId] }.flatMap { photo in
          file(of: photo).flatMap { file in
            CrackObservation.branches(photo.observation.polylinePx).map {
              (key: track.id, photo: file, orientation: photo.orientation, branches: $0)
            }
          }
        }
      })
    let tracks: [[String: Any]] = report.tracks.map { track in
      let latest = track.points.last
      let overlay = overlays[track.id].map { "data:image/jpeg;base64," + $0.base64EncodedString() }
      var row: [String: Any] = [
        "id": track.id,
        "severity": latest?.severity ?? "–",
        "urgent": !track.alerts.isEmpty,
        "cycles": track.points.count,
        "length": number(latest?.lengthMm, 1),
        "maxWidth": number(latest?.maxWidthMm),
        "widthRate": number(track.maxWidthMmPerYear),
        "lengthRate": number(track.lengthMmPerYear, 1),
        "georef": track.georefMethod,
        "matched": track.matchedBy == "registration"
          ? "registration of its photos" : track.matchedBy == "mixed" ? "registration and GPS" : "GPS",
        "alerts": track.alerts.map { ["cycle": $0.cycle, "message": $0.message] },
        "widthChart": GrowthChart.svg(
          title: "Width", unit: "mm", points: track.points,
          lines: [
            .init(name: "max width", colour: "#c0392b", values: track.points.map(\.maxWidthMm)),
            .init(name: "mean width", colour: "#e67e22", values: track.points.map(\.meanWidthMm)),
          ]),
        "lengthChart": GrowthChart.svg(
          title: "Length", unit: "mm", points: track.points,
          lines: [.init(name: "length", colour: "#2c3e50", values: track.points.map(\.lengthMm))]),
        "photo": latest.flatMap { photos[$0.observationId]?.sourcePath } ?? "",
      ]
      // Absent keys, not "" or nil: to the template an empty string or a boxed nil is a
      // value and would open the section.
      if let reason = track.noRateReason { row["noRate"] = reason }
      // A crack without millimetres has no severity, so no scheme to name.
      if let scheme = track.severityScheme, !scheme.isEmpty { row["scheme"] = scheme }
      if latest?.widthBelowResolution == true { row["widthEstimated"] = true }
      let tips = track.points.compactMap { point in
        point.tips.map { tips in
          point.cycle + ": "
            + tips.map { Self.fixed($0.extensionMm, 1, signed: true) }.joined(separator: " and ")
            + ", \(Self.fixed(TipGrowth.lengthGrowthMm(tips), 1, signed: true)) in length"
        }
      }
      if !tips.isEmpty { row["tips"] = tips.joined(separator: "; ") }
      let broken = track.points.compactMap { point in
        point.pieceIds.map {
          point.cycle + ": in \($0.count + 1) pieces, " + number(point.unseenMm, 1)
            + " mm unseen between them"
        }
      }
      if !broken.isEmpty { row["pieces"] = broken.joined(separator: "; ") }
      let widening = track.points.compactMap { point in
        point.widthGrowth.map {
          point.cycle + ": \(Self.fixed($0.medianMm, 2, signed: true)) mm at the median point, "
            + "\(Self.fixed($0.largestMm, 2, signed: true)) mm where most, \(Self.fixed($0.largestAt.alongMm, 0)) mm along it"
        }
      }
      if !widening.isEmpty { row["widening"] = widening.joined(separator: "; ") }
      if let residual = track.registrationResidualMm { row["residual"] = number(residual, 3) }
      if let lat = track.latitude, let lon = track.longitude, let e = track.easting, let n = track.northing {
        row["position"] = String(
          format: "%.7f, %.7f (EPSG:%d %.3f E, %.3f N)", lat, lon, report.asset.epsg, e, n)
      }
      let members = track.points.compactMap { point in
        photos[point.observationId].flatMap { photo -> AlignedCrops.Member? in
          // A crack seen in pieces: every piece on the same photo.
          let pieces = (point.pieceIds ?? []).compactMap { photos[$0] }.filter {
            $0.observation.captureId == photo.observation.captureId
          }
          guard let file = file(of: photo) else { return nil }
          return CrackObservation.branches(photo.observation.polylinePx).map {
            AlignedCrops.Member(
              cycle: point.cycle, sourcePath: file, orientation: photo.orientation,
              captureId: photo.observation.captureId,
              branches: $0 + pieces.flatMap { CrackObservation.branches($0.observation.polylinePx) ?? [] })
          }
        }
      }
      if track.matchedBy == "registration", members.count == track.points.count,
        let crops = AlignedCrops.jpegs(members, chains: chains)
      {
        row["hasAligned"] = true
        row["aligned"] = crops.map {
          ["cycle": $0.cycle, "src": "data:image/jpeg;base64," + $0.jpeg.base64EncodedString()]
        }
      }
      if let overlay { row["overlay"] = overlay }
      return row
    }
    return [
      "asset": [
        "id": report.asset.id, "name": report.asset.name, "kind": report.asset.kind,
        "epsg": report.asset.epsg,
        "tracks": report.asset.tracks, "observations": report.asset.observations,
        "alerts": report.asset.alerts,
      ],
      "generatedAt": report.generatedAt,
      "cycles": report.asset.cycles.map {
        [
          "label": $0.label, "date": $0.date ?? "no date", "observations": $0.observations,
          "new": $0.newTracks, "notSeen": $0.notSeen,
        ]
      },
      "oneCycle": report.asset.cycles.count < 2,
      "tracks": tracks,
      "events": splitsAndMerges.map {
        ["cycle": $0.cycle, "kind": $0.kind, "track": $0.trackId, "other": $0.otherTrackId ?? ""]
      },
      // Booleans open the sections: to swift-mustache, `list.count` names no value.
      "hasEvents": !splitsAndMerges.isEmpty, "hasReviews": !report.reviews.isEmpty,
      "reviews": report.reviews.map {
        [
          "observation": String($0.observationId.prefix(12)), "verdict": $0.verdict, "reason": $0.reason,
          "when": $0.reviewedAt, "device": String($0.deviceId.prefix(8)),
          "capture": String(($0.captureId ?? "").prefix(12)),
        ]
      },
    ]
  }

  static let template = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Crack growth: {{asset.name}}</title>
    <style>
    body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
    table{border-collapse:collapse;margin:8px 0 16px}
    th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
    .urgent{background:#fdecea}.muted{color:#777}.alert{color:#b03a2e;font-weight:600}
    .aligned{flex-basis:100%}.aligned figure{display:inline-block;margin:0 8px 0 0}.aligned figcaption{text-align:center}
    .track{border:1px solid #ccc;border-radius:6px;padding:12px;margin:12px 0;display:flex;flex-wrap:wrap;gap:16px}
    svg .axis{stroke:#999}svg .t{font-size:11px;font-weight:600}svg .l{font-size:9px;fill:#555}
    img{max-width:360px;border:1px solid #999}
    </style></head><body>
    <h1>Crack growth: {{asset.name}} <span class="muted">({{asset.id}}, {{asset.kind}})</span></h1>
    <p>{{asset.tracks}} crack tracks from {{asset.observations}} observations; <span class="alert">{{asset.alerts}} alerts</span>.
    Positions in EPSG:{{asset.epsg}}. Generated {{generatedAt}} by crackmon.</p>
    {{#oneCycle}}<p class="alert">Only one inspection cycle: growth rates need two dated cycles, so none are given.</p>{{/oneCycle}}
    <h2>Cycles</h2>
    <table><tr><th>cycle</th><th>date</th><th>observations</th><th>new cracks</th><th>not seen again</th></tr>
    {{#cycles}}<tr><td>{{label}}</td><td>{{date}}</td><td>{{observations}}</td><td>{{new}}</td><td>{{notSeen}}</td></tr>
    {{/cycles}}</table>
    <h2>Tracks, most urgent first</h2>
    <table><tr><th>track</th><th>severity</th><th>max width mm</th><th>length mm</th><th>width mm/yr</th><th>length mm/yr</th><th>cycles</th><th>alerts</th></tr>
    {{#tracks}}<tr{{#urgent}} class="urgent"{{/urgent}}><td><a href="#{{id}}">{{id}}</a></td><td>{{severity}}</td><td>{{maxWidth}}{{#widthEstimated}} <span class="muted" title="Narrower than its photo resolves: an estimate from the grey levels, not a measurement">(estimate)</span>{{/widthEstimated}}</td><td>{{length}}</td><td>{{widthRate}}</td><td>{{lengthRate}}</td><td>{{cycles}}</td><td>{{#alerts}}<div class="alert">{{cycle}}: {{message}}</div>{{/alerts}}</td></tr>
    {{/tracks}}</table>
    {{#hasEvents}}<h2>Splits and merges</h2><table><tr><th>cycle</th><th>event</th><th>track</th><th>other track</th></tr>
    {{#events}}<tr><td>{{cycle}}</td><td>{{kind}}</td><td>{{track}}</td><td>{{other}}</td></tr>{{/events}}</table>{{/hasEvents}}
    {{#hasReviews}}<h2>Reviews</h2><p class="muted">The latest engineering review of each reviewed crack. A rejected one is in no track, no growth and no alert.</p>
    <table><tr><th>crack</th><th>photo</th><th>verdict</th><th>what, why</th><th>when</th><th>device</th></tr>
    {{#reviews}}<tr><td>{{observation}}</td><td>{{capture}}</td><td>{{verdict}}</td><td>{{reason}}</td><td>{{when}}</td><td>{{device}}</td></tr>{{/reviews}}</table>{{/hasReviews}}
    <h2>Track details</h2>
    {{#tracks}}<section class="track" id="{{id}}"><div><h3>{{id}}</h3>
    <p>Severity {{severity}}{{#scheme}} <span class="muted">({{scheme}})</span>{{/scheme}}{{#widthEstimated}}, from a width narrower than its photo resolves (an estimate){{/widthEstimated}}; placed by {{georef}}; matched across cycles by {{matched}}{{#residual}} (residual {{residual}} mm){{/residual}}.</p>
    {{#position}}<p class="muted">At {{position}}.</p>{{/position}}
    {{#tips}}<p>Growth at its two tips since the cycle before, beyond where each tip was (mm): {{tips}}.</p>{{/tips}}
    {{#widening}}<p>Width change along the crack since the cycle before, at the same points: {{widening}}.</p>{{/widening}}
    {{#pieces}}<p>Seen in pieces ({{pieces}}); its length counts the unseen stretch: a crack does not heal.</p>{{/pieces}}
    {{#noRate}}<p class="muted">No growth rate: {{noRate}}.</p>{{/noRate}}
    {{#alerts}}<p class="alert">{{cycle}}: {{message}}</p>{{/alerts}}</div>
    <div>{{{widthChart}}}</div><div>{{{lengthChart}}}</div>
    <div>{{#overlay}}<img alt="crack {{id}} on its latest photo" src="{{{overlay}}}">{{/overlay}}{{^overlay}}<p class="muted">Photo not available on this machine ({{photo}}).</p>{{/overlay}}</div>
    {{#hasAligned}}<div class="aligned"><p>Each cycle's photo, aligned by registration to the latest:</p>{{#aligned}}<figure><img alt="crack {{id}} in {{cycle}}" src="{{{src}}}"><figcaption>{{cycle}}</figcaption></figure>{{/aligned}}</div>{{/hasAligned}}
    </section>
    {{/tracks}}
    </body></html>
    """
}
