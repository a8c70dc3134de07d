// GraphiQL's page (api/web/templates/graphiql.html, api/web/graphiql.py). A file, not an inline script, so that the
// page's Content-Security-Policy allows no inline script at all.
//
// Authorization code + PKCE (S256) for a public client; the token lives in this tab's sessionStorage only.
"use strict";
(() => {
  const CONFIG = JSON.parse(document.getElementById("dpv-graphiql-config").textContent);
  const store = window.sessionStorage;

  // GraphiQL's dialogs and menus (Radix, through react-style-singleton) add a <style> element when they open, and
  // give it the nonce of webpack's build, which this bundle leaves unset. Under the page's policy a <style>
  // without this response's nonce is refused, so the style elements made on this page get it. (This script's
  // own nonce is this response's; the browser hides it from the DOM, so only scripts can read it.)
  const styleNonce = document.currentScript && document.currentScript.nonce;
  if (styleNonce) {
    const createElement = document.createElement.bind(document);
    document.createElement = function (tagName, options) {
      const element = createElement(tagName, options);
      if (String(tagName).toLowerCase() === "style") element.nonce = styleNonce;
      return element;
    };
  }

  function b64url(bytes) {
    return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function random(n) { const a = new Uint8Array(n); crypto.getRandomValues(a); return b64url(a); }
  async function metadata() {
    const r = await fetch("/.well-known/oauth-authorization-server");
    return r.json();
  }

  async function signIn() {
    if (!CONFIG.clientId) {
      document.getElementById("signin-error").textContent = "Sign-in is not set up on this server (no alliance yet).";
      return;
    }
    const meta = await metadata();
    const verifier = random(32), state = random(16);
    const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    store.setItem("pkce_verifier", verifier);
    store.setItem("pkce_state", state);
    const q = new URLSearchParams({
      response_type: "code", client_id: CONFIG.clientId, redirect_uri: CONFIG.redirectUri,
      scope: CONFIG.scope, state, code_challenge: challenge, code_challenge_method: "S256",
    });
    location.assign(meta.authorization_endpoint + "?" + q);
  }

  async function token(form) {
    const meta = await metadata();
    const r = await fetch(meta.token_endpoint, {
      method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({client_id: CONFIG.clientId, ...form}),
    });
    if (!r.ok) throw new Error("token endpoint: " + r.status);
    const t = await r.json();
    store.setItem("access_token", t.access_token);
    if (t.refresh_token) store.setItem("refresh_token", t.refresh_token);
    return t.access_token;
  }

  async function finishSignIn(params) {
    const expected = store.getItem("pkce_state");
    store.removeItem("pkce_state");
    if (!expected || params.get("state") !== expected) throw new Error("the sign-in answer does not match this tab");
    const verifier = store.getItem("pkce_verifier");
    store.removeItem("pkce_verifier");
    await token({grant_type: "authorization_code", code: params.get("code"), redirect_uri: CONFIG.redirectUri,
                 code_verifier: verifier});
    history.replaceState(null, "", location.pathname);
  }

  // One refresh at a time: a second use of the same refresh token is a replay and revokes the family.
  let refreshing = null;
  function refresh() {
    if (!refreshing) {
      refreshing = (async () => {
        const rt = store.getItem("refresh_token");
        if (!rt) return null;
        try { return await token({grant_type: "refresh_token", refresh_token: rt}); }
        catch (e) { store.clear(); return null; }
      })().finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  function signOut() { store.clear(); location.assign(location.pathname); }

  async function post(body, access) {
    return fetch(CONFIG.endpoint, {
      method: "POST", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer " + access},
    });
  }

  async function fetcher(params) {
    let r = await post(params, store.getItem("access_token"));
    if (r.status === 401) {
      const renewed = await refresh();
      if (!renewed) { signOut(); return {errors: [{message: "Signed out: please sign in again"}]}; }
      r = await post(params, renewed);
    }
    return r.json();
  }

  async function showGraphiQL() {
    document.getElementById("app").hidden = false;
    const who = await fetcher({query: "{ viewer { organisation { slug } scopes } }"});
    const v = who.data && who.data.viewer;
    document.getElementById("who").textContent = v && v.organisation
      ? `Signed in for ${v.organisation.slug} (${v.scopes.join(" ")})` : "";
    document.getElementById("signout").onclick = signOut;
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {fetcher, defaultEditorToolsVisibility: false,
        defaultQuery: "{\n  viewer { organisation { slug name } scopes }\n  dpvs(first: 10) { nodes { name status lots(first: 20) { nodes { code weeklyRateCap } } } }\n}\n"}));
  }

  (async () => {
    const params = new URLSearchParams(location.search);
    try {
      if (params.get("code")) await finishSignIn(params);
      else if (params.get("error")) throw new Error(params.get("error_description") || params.get("error"));
    } catch (e) {
      document.getElementById("signin-error").textContent = "Sign-in failed: " + e.message;
    }
    if (store.getItem("access_token")) return showGraphiQL();
    document.getElementById("signin").hidden = false;
    document.getElementById("signin-button").onclick = signIn;
  })();
})();
