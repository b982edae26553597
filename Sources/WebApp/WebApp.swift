import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store
import SyncServer

/// The office's web application, served by `crackmon serve` beside the API: server-rendered
/// pages (the organisation's assets; an asset's numbers, plan and tracks; a track's cracks
/// cycle by cycle with review buttons) and one small script that calls the API with the
/// session's CSRF token. Pages read through the same callers and store as the API, so a page
/// shows what the JSON API gives, and never another organisation's data.
public enum WebApp {
  /// Tracks per page of an asset's table.
  static let tracksPerPage = 50
  /// Most cracks drawn on a plan: enough for any real asset's latest cracks, bounded for a
  /// browser.
  static let planLimit = 20_000

  public static func install(_ server: SyncServer, on router: Router<SyncServer.Context>) {
    router.get("static/app.css") { _, _ in file(StaticFiles.css, type: "text/css; charset=utf-8") }
    router.get("static/app.js") { _, _ in file(StaticFiles.js, type: "text/javascript; charset=utf-8") }
    router.get("signin") { _, _ in html(OfficePages.render("signin", ["title": "Sign in"])) }
    router.get("/") { request, context in
      try await page(server, request, context) { user, values in
        let assets = try await server.store.assets(org: user.orgId, only: nil)
        values["title"] = "Assets"
        values["hasAssets"] = !assets.isEmpty
        values["assets"] = assets.map { asset -> [String: Any] in
          var row = dictionary(asset)
          row["hasAlerts"] = asset.alerts > 0
          return row
        }
        return "assets"
      }
    }
    router.get("assets/:id") { request, context in
      try await page(server, request, context) { _, values in
        let (caller, id) = try await server.requestedAsset(request, context: context)
        guard let asset = try await server.store.assets(org: caller.orgId, only: id).first
        else {
          throw HTTPError(.notFound, message: "no asset \"\(id)\"")
        }
        let query = request.uri.queryParameters
        let severity = query.get("severity")
        let (offset, _) = try SyncServer.paging(query, defaultLimit: tracksPerPage)
        let tracks = try await server.store.tracks(
          asset: id, severity: severity, offset: offset, limit: tracksPerPage)
        let plan = try await server.store.plan(asset: id, cycle: nil, limit: planLimit)
        values.merge(dictionary(asset)) { $1 }
        values["title"] = asset.name
        values["hasAlerts"] = asset.alerts > 0
        values["plan"] = AssetPlan.svg(plan) { crack in crack.trackId.map { trackPath(id, $0) } }
        if plan.count == planLimit {
          values["planCut"] = true
          values["planLimit"] = planLimit
        }
        values["filters"] = [("all", nil), ("CS1", "CS1"), ("CS2", "CS2"), ("CS3", "CS3")].map {
          label, value in
          [
            "label": label, "on": severity == value,
            "href": "/assets/\(escapePath(id))" + (value.map { "?severity=\($0)" } ?? ""),
          ] as [String: Any]
        }
        values["trackRows"] = tracks.tracks.map { track -> [String: Any] in
          [
            "asset": id, "trackId": track.trackId, "short": String(track.trackId.prefix(12)),
            "cyclesSeen": track.cyclesSeen, "length": number(track.lengthMm, 1),
            "width": number(track.maxWidthMm, 2), "severity": track.severity ?? "",
            "lengthRate": number(track.lengthMmPerYear, 1, signed: true),
            "widthRate": number(track.maxWidthMmPerYear, 2, signed: true), "alerts": track.alerts,
            "hasAlerts": track.alerts > 0,
          ]
        }
        values["total"] = tracks.total
        values["first"] = tracks.total == 0 ? 0 : offset + 1
        values["last"] = offset + tracks.tracks.count
        func link(_ start: Int) -> String {
          "/assets/\(escapePath(id))?offset=\(start)" + (severity.map { "&severity=\(escapePath($0))" } ?? "")
        }
        if offset > 0 { values["previous"] = link(max(0, offset - tracksPerPage)) }
        if offset + tracksPerPage < tracks.total { values["next"] = link(offset + tracksPerPage) }
        return "asset"
      }
    }
    router.get("assets/:id/tracks/:track") { request, context in
      try await page(server, request, context) { user, values in
        let (caller, id) = try await server.requestedAsset(request, context: context)
        let track = try context.parameters.require("track")
        let asset = try await server.store.assets(org: caller.orgId, only: id).first
        let cracks = try await server.store.trackObservations(asset: id, track: track)
        values["title"] = "Track \(track.prefix(12))"
        values["asset"] = id
        values["assetName"] = asset?.name ?? id
        values["track"] = track
        values["hasCracks"] = !cracks.isEmpty
        let canReview = user.role.includes(.engineer)
        values["cracks"] = cracks.map { crack -> [String: Any] in
          let o = crack.observation
          return [
            "id": o.id, "asset": id, "cycle": crack.cycleLabel, "takenAt": crack.takenAt ?? "",
            "crop": cropURL(capture: o.captureId, polylinePx: o.polylinePx), "length": number(o.lengthMm, 1),
            "maxWidth": number(o.maxWidthMm, 2), "meanWidth": number(o.meanWidthMm, 2),
            "severity": o.severity ?? "", "canReview": canReview,
            "kinds": CorrectionRow.NotACrack.allCases.map(\.rawValue),
          ]
        }
        return "track"
      }
    }
  }

  /// A page for a signed-in user: `fill` sets its values and names its template. Without a
  /// session it sends the browser to sign in; a refusal or a missing row is an HTML page
  /// with the API's status and words.
  static func page(
    _ server: SyncServer, _ request: Request, _ context: SyncServer.Context,
    _ fill: (OfficeUser, inout [String: Any]) async throws -> String
  ) async throws -> Response {
    let caller: Caller
    do {
      caller = try await server.caller(request, context: context)
    } catch let error as HTTPError where error.status == .unauthorized || error.status == .forbidden {
      // No session, an ended one, or a password still to choose: the sign-in page says which.
      return Response(status: .seeOther, headers: [.location: "/signin"])
    }
    guard case .user(let user, let session) = caller else {
      return Response(status: .seeOther, headers: [.location: "/signin"])
    }
    var values: [String: Any] = [
      "email": user.email, "role": user.role.rawValue, "organisation": user.orgId, "csrf": session.csrf,
    ]
    do {
      let template = try await fill(user, &values)
      return html(OfficePages.render(template, values))
    } catch let error as HTTPError {
      values["title"] = error.status == .notFound ? "Not found" : "Refused"
      values["message"] = error.body ?? error.status.reasonPhrase
      return html(OfficePages.render("problem", values), status: error.status)
    } catch let error as CentralError {
      let refusal = SyncServer.httpError(error)
      values["title"] = "Not available"
      values["message"] = refusal.body ?? refusal.status.reasonPhrase
      return html(OfficePages.render("problem", values), status: refusal.status)
    }
  }

  /// Pages may not be framed, and run only this server's own script and style.
  static let pageHeaders: HTTPFields = [
    .contentType: "text/html; charset=utf-8",
    .contentSecurityPolicy:
      "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'",
    HTTPField.Name("X-Content-Type-Options")!: "nosniff",
    HTTPField.Name("Referrer-Policy")!: "same-origin",
  ]

  static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: pageHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }

  static func file(_ text: String, type: String) -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }

  static func trackPath(_ asset: String, _ track: String) -> String {
    "/assets/\(escapePath(asset))/tracks/\(escapePath(track))"
  }

  static func escapePath(_ text: String) -> String {
    text.addingPercentEncoding(
      withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/?&=#"))) ?? text
  }

  /// The thumbnail of the crack's box on its photo, with a margin of half its size (at least
  /// 48 px), as `GET /v1/captures/{id}/thumbnail` crops it.
  static func cropURL(capture: String, polylinePx: String) -> String {
    let points =
      (try? JSONDecoder().decode([[[Double]]].self, from: Data(polylinePx.utf8)))?.joined().filter {
        $0.count >= 2
      } ?? []
    var url = "/v1/captures/\(capture)/thumbnail?size=320"
    if let minX = points.map({ $0[0] }).min(), let maxX = points.map({ $0[0] }).max(),
      let minY = points.map({ $0[1] }).min(), let maxY = points.map({ $0[1] }).max()
    {
      let pad = max(48, max(maxX - minX, maxY - minY) / 2)
      let x = max(0, Int(minX - pad))
      let y = max(0, Int(minY - pad))
      url += "&crop=\(x),\(y),\(Int(maxX + pad) - x),\(Int(maxY + pad) - y)"
    }
    return url
  }

  static func number(_ value: Double?, _ decimals: Int, signed: Bool = false) -> String {
    guard let value else { return "–" }
    let text = String(format: "%.\(decimals)f", value)
    return signed && value > 0 ? "+" + text : text
  }

  /// A record's fields by their JSON names, for a template.
  static func dictionary(_ value: some Encodable) -> [String: Any] {
    guard let data = try? JSONEncoder().encode(value),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return [:] }
    return object
  }
}
