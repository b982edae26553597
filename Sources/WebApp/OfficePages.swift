import Foundation
import Mustache

/// The pages' templates (swift-mustache: `{{x}}` is HTML-escaped), each inside one layout.
enum OfficePages {
  static let library: MustacheLibrary = {
    var library = MustacheLibrary()
    for (name, text) in [
      ("layout", layout), ("signin", signIn), ("assets", assets), ("asset", asset), ("track", track),
      ("problem", problem),
    ] {
      // The templates are this file's constants: one that does not parse is a bug caught by
      // every test that opens a page.
      try! library.register(MustacheTemplate(string: text), named: name)
    }
    return library
  }()

  /// The page `name` with `values`, inside the layout (`title`, and `user` when signed in).
  static func render(_ name: String, _ values: [String: Any]) -> String {
    let body = library.render(values, withTemplate: name) ?? ""
    var page = values
    page["body"] = body
    return library.render(page, withTemplate: "layout") ?? ""
  }

  static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {{#csrf}}<meta name="csrf-token" content="{{csrf}}">{{/csrf}}
    <title>{{title}} · crackmon</title>
    <link rel="stylesheet" href="/static/app.css">
    <script src="/static/app.js" defer></script>
    </head>
    <body>
    <header>
    <a href="/">crackmon</a>
    {{#organisation}}<span>{{organisation}}</span>{{/organisation}}
    {{#email}}<span class="who">{{email}} ({{role}}) <button id="signout" type="button">Sign out</button></span>{{/email}}
    </header>
    <main>
    {{{body}}}
    </main>
    </body>
    </html>
    """

  static let signIn = """
    <h1>Sign in</h1>
    <form id="signin" class="signin">
    <label>Email <input name="email" type="email" autocomplete="username" required></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit">Sign in</button>
    <p id="signin-error" class="error" role="alert"></p>
    </form>
    <form id="change" class="signin" hidden>
    <p>Choose your own password (at least 12 characters) before going on.</p>
    <input name="current" type="hidden">
    <label>New password <input name="new" type="password" autocomplete="new-password" minlength="12" required></label>
    <button type="submit">Set password</button>
    <p id="change-error" class="error" role="alert"></p>
    </form>
    """

  static let assets = """
    <h1>Assets</h1>
    {{^hasAssets}}<p class="muted">No assets yet: they arrive with the first sync of a field device.</p>{{/hasAssets}}
    {{#hasAssets}}
    <table id="assets">
    <tr><th>Asset</th><th>Kind</th><th>Cycles</th><th>Photos</th><th>Cracks</th><th>Tracks</th><th>Open alerts</th><th>Tracked</th></tr>
    {{#assets}}
    <tr data-asset="{{id}}">
    <td><a href="/assets/{{id}}">{{name}}</a> <span class="muted">{{id}}</span></td><td>{{kind}}</td>
    <td class="n" data-field="cycles">{{cycles}}</td><td class="n" data-field="photos">{{photos}}</td>
    <td class="n" data-field="cracks">{{cracks}}</td><td class="n" data-field="tracks">{{tracks}}</td>
    <td class="n{{#hasAlerts}} alert{{/hasAlerts}}" data-field="alerts">{{alerts}}</td>
    <td class="muted">{{trackedAt}}</td>
    </tr>
    {{/assets}}
    </table>
    {{/hasAssets}}
    """

  static let asset = """
    <h1>{{name}} <span class="muted">{{id}}, {{kind}}</span></h1>
    <div class="numbers">
    <div><b data-field="cycles">{{cycles}}</b>cycles</div>
    <div><b data-field="photos">{{photos}}</b>photos</div>
    <div><b data-field="cracks">{{cracks}}</b>cracks</div>
    <div><b data-field="tracks">{{tracks}}</b>tracks</div>
    <div><b data-field="alerts" class="{{#hasAlerts}}alert{{/hasAlerts}}">{{alerts}}</b>open alerts</div>
    </div>
    <p>Growth report: <a href="/v1/assets/{{id}}/report.html">HTML</a> · <a href="/v1/assets/{{id}}/report.csv">CSV</a>
    · <a href="/v1/assets/{{id}}/report.json">JSON</a> · map: <a href="/v1/assets/{{id}}/map.geojson">GeoJSON</a></p>
    <h2>Plan</h2>
    <p class="muted">Each track's latest crack, in EPSG:{{epsg}}, north up{{#planCut}}; the first {{planLimit}} only{{/planCut}}.</p>
    {{{plan}}}
    <p class="legend"><span><i class="swatch cs1"></i>CS1 / within</span><span><i class="swatch cs2"></i>CS2</span>
    <span><i class="swatch cs3"></i>CS3 / exceeds</span><span><i class="swatch none"></i>no severity (no scale)</span></p>
    <h2>Tracks</h2>
    <p class="filters">Severity of the latest crack:
    {{#filters}}<a href="{{href}}" class="{{#on}}on{{/on}}">{{label}}</a>{{/filters}}</p>
    <table id="tracks">
    <tr><th>Track</th><th>Cycles</th><th>Length mm</th><th>Max width mm</th><th>Severity</th>
    <th>Length mm/yr</th><th>Width mm/yr</th><th>Alerts</th></tr>
    {{#trackRows}}
    <tr data-track="{{trackId}}"><td><a href="/assets/{{asset}}/tracks/{{trackId}}">{{short}}</a></td>
    <td class="n">{{cyclesSeen}}</td><td class="n">{{length}}</td><td class="n">{{width}}</td><td>{{severity}}</td>
    <td class="n">{{lengthRate}}</td><td class="n">{{widthRate}}</td>
    <td class="n{{#hasAlerts}} alert{{/hasAlerts}}">{{alerts}}</td></tr>
    {{/trackRows}}
    </table>
    <p class="pages">{{first}}–{{last}} of <span data-field="listed">{{total}}</span>
    {{#previous}}<a href="{{previous}}">previous</a>{{/previous}} {{#next}}<a href="{{next}}">next</a>{{/next}}</p>
    """

  static let track = """
    <p><a href="/assets/{{asset}}">← {{assetName}}</a></p>
    <h1>Track <span class="muted">{{track}}</span></h1>
    {{^hasCracks}}<p class="muted">No live cracks on this track: rejected, or tracked again since.</p>{{/hasCracks}}
    {{#hasCracks}}
    <table id="cracks">
    <tr><th>Cycle</th><th>Photo</th><th>Length mm</th><th>Max width mm</th><th>Mean width mm</th><th>Severity</th><th>Review</th></tr>
    {{#cracks}}
    <tr data-observation="{{id}}" data-asset="{{asset}}">
    <td>{{cycle}}<br><span class="muted">{{takenAt}}</span></td>
    <td><img class="crop" alt="The crack on its photo, cycle {{cycle}}" src="{{crop}}"></td>
    <td class="n" data-field="length">{{length}}</td><td class="n">{{maxWidth}}</td><td class="n">{{meanWidth}}</td>
    <td>{{severity}}</td>
    <td>{{#canReview}}<div class="review">
    <button type="button" data-verdict="confirm">Confirm</button>
    <button type="button" data-verdict="reject">Reject as</button>
    <select name="as">{{#kinds}}<option>{{.}}</option>{{/kinds}}</select>
    <span class="review-status muted"></span></div>{{/canReview}}</td>
    </tr>
    {{/cracks}}
    </table>
    {{/hasCracks}}
    """

  static let problem = """
    <h1>{{title}}</h1>
    <p>{{message}}</p>
    <p><a href="/">Assets</a></p>
    """
}
