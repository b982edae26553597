/// The web application's one style sheet and one script, served from the binary: the office
/// network may be closed, so nothing comes from a CDN.
enum StaticFiles {
  static let css = """
    :root { font-family: system-ui, sans-serif; color: #222; background: #fff; }
    body { margin: 0; }
    header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.2em; background: #263238; color: #eee; }
    header a { color: #fff; text-decoration: none; font-weight: 600; }
    header .who { margin-left: auto; font-size: .9em; }
    main { padding: 1em 1.5em 3em; max-width: 1200px; }
    table { border-collapse: collapse; margin: .5em 0 1em; }
    th, td { border-bottom: 1px solid #ddd; padding: .3em .7em; text-align: left; vertical-align: top; }
    th { background: #f4f4f2; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; }
    .alert { color: #b03a2e; font-weight: 600; }
    .muted { color: #777; }
    .numbers { display: flex; gap: 2em; margin: .5em 0 1em; }
    .numbers div { font-size: .9em; color: #555; }
    .numbers b { display: block; font-size: 1.6em; color: #222; }
    .plan { width: 100%; max-width: 900px; border: 1px solid #ccc; }
    .legend span { display: inline-block; margin-right: 1.2em; }
    .swatch { display: inline-block; width: 1em; height: .35em; vertical-align: middle; margin-right: .3em; }
    .cs1 { background: #2e8b57; } .cs2 { background: #e69f00; } .cs3 { background: #c0392b; } .none { background: #7f8c8d; }
    .filters a, .pages a { margin-right: .8em; }
    .filters a.on { font-weight: 700; text-decoration: none; color: #222; }
    form.signin { display: grid; gap: .6em; max-width: 22em; margin-top: 2em; }
    input, select, button { font: inherit; padding: .3em .5em; }
    .error { color: #b03a2e; min-height: 1.2em; }
    .crop { max-width: 320px; max-height: 240px; border: 1px solid #ccc; }
    .review { display: flex; gap: .4em; align-items: center; }
    @media print { header, .review, .pages, .filters { display: none; } }
    """

  static let js = """
    "use strict";
    // The session's CSRF token: every change this page makes sends it back.
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

    async function send(method, url, body) {
      const response = await fetch(url, {
        method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let json = {};
      try { json = text ? JSON.parse(text) : {}; } catch (_) { json = {}; }
      if (!response.ok) throw new Error(json.error?.message ?? `${response.status}`);
      return json;
    }

    function say(element, message) { if (element) element.textContent = message; }

    const signin = document.querySelector("form#signin");
    if (signin) {
      signin.addEventListener("submit", async (event) => {
        event.preventDefault();
        const error = document.querySelector("#signin-error");
        try {
          const state = await send("POST", "/v1/session", {
            email: signin.email.value, password: signin.password.value,
          });
          if (state.mustChangePassword) {
            signin.hidden = true;
            const change = document.querySelector("form#change");
            change.hidden = false;
            change.dataset.csrf = state.csrfToken;
            change.current.value = signin.password.value;
          } else {
            location.href = "/";
          }
        } catch (failure) { say(error, failure.message); }
      });
    }

    const change = document.querySelector("form#change");
    if (change) {
      change.addEventListener("submit", async (event) => {
        event.preventDefault();
        const error = document.querySelector("#change-error");
        try {
          const response = await fetch("/v1/session/password", {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": change.dataset.csrf },
            body: JSON.stringify({ current: change.current.value, new: change.new.value }),
          });
          if (!response.ok) throw new Error((await response.json()).error?.message ?? `${response.status}`);
          location.href = "/";
        } catch (failure) { say(error, failure.message); }
      });
    }

    document.querySelector("#signout")?.addEventListener("click", async () => {
      try { await send("DELETE", "/v1/session"); } finally { location.href = "/signin"; }
    });

    // Review buttons: data-asset, data-observation; a select beside "reject" says what it is.
    document.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-verdict]");
      if (!button) return;
      const row = button.closest("[data-observation]");
      const body = { observation: row.dataset.observation, verdict: button.dataset.verdict };
      if (body.verdict === "reject") body.as = row.querySelector("select[name=as]").value;
      const status = row.querySelector(".review-status");
      button.disabled = true;
      try {
        await send("POST", `/v1/assets/${encodeURIComponent(row.dataset.asset)}/reviews`, body);
        say(status, body.verdict === "reject" ? "rejected" : "confirmed");
        location.reload();
      } catch (failure) {
        say(status, failure.message);
        button.disabled = false;
      }
    });
    """
}
