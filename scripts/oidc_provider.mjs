// A real OpenID Connect provider on loopback (npm's oidc-provider), standing in for two
// organisations' Microsoft Entra ID tenants: the SSO tests start it, and `make run` starts it
// as the demo identity provider.
//
//   node scripts/oidc_provider.mjs --port 9400 --redirect-base http://127.0.0.1:8000
//
// Its sign-in page asks only for an account (no password): every account below is a test or
// demo person, and each carries the claims an Entra tenant puts in its ID tokens (email,
// email_verified, tid, amr). Prints "ready <issuer>" once it listens.
import http from "node:http";
import { parseArgs } from "node:util";

import Provider from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "9400" },
    "redirect-base": { type: "string", multiple: true, default: ["http://127.0.0.1:8000"] },
    // The portal organisations' slugs whose callback URLs the clients accept.
    slug: { type: "string", multiple: true, default: ["trafford"] },
  },
});
const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const redirectBases = args["redirect-base"].map((base) => base.replace(/\/$/, ""));

// The two tenants, and the client (the portal's registration) for each.
const TENANTS = {
  north: { tid: "11111111-1111-4111-8111-111111111111", clientId: "portal-north" },
  south: { tid: "22222222-2222-4222-8222-222222222222", clientId: "portal-south" },
};

const account = (email, name, tenant, extra = {}) => ({
  email,
  name,
  email_verified: true,
  tid: TENANTS[tenant].tid,
  amr: ["pwd", "mfa"],
  ...extra,
});

const ACCOUNTS = Object.fromEntries(
  [
    account("ada.north@north.example", "Ada North", "north"),
    account("new.starter@north.example", "Nia Starter", "north", { amr: ["pwd"] }),
    account("unverified@north.example", "Uma Verified", "north", { email_verified: false }),
    account("intruder@north.example", "Ivo Truder", "south"),
    account("someone@elsewhere.example", "Sam Elsewhere", "north"),
    account("bea.south@south.example", "Bea South", "south"),
    // `make run`'s demo organisation (Trafford Council in the demo data).
    account("sso.demo@staff.trafford.example", "Sam Sso", "north"),
  ].map((a) => [a.email, a]),
);

const clients = Object.entries(TENANTS).map(([name, tenant]) => ({
  client_id: tenant.clientId,
  client_secret: `${name}-secret`,
  redirect_uris: redirectBases.flatMap((base) =>
    args.slug.map((slug) => `${base}/account/sso/oidc/org-${slug}/login/callback/`),
  ),
  post_logout_redirect_uris: redirectBases.map((base) => `${base}/account/signed-out/`),
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
}));

const provider = new Provider(issuer, {
  clients,
  pkce: { required: () => false },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  conformIdTokenClaims: false,
  claims: {
    amr: null,
    openid: ["sub", "tid", "amr"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const found = ACCOUNTS[id];
    if (!found) return undefined;
    return {
      accountId: id,
      async claims() {
        const { amr, ...claims } = found;
        return { sub: id, ...claims };
      },
    };
  },
  cookies: { keys: ["loopback-test-provider-only"] },
  ttl: { IdToken: 120, AccessToken: 600, Session: 3600, Interaction: 600, Grant: 3600 },
});
provider.proxy = false;

const page = (uid, problem = "") => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body><main><h1>Test identity provider</h1>
${problem ? `<p role="alert">${problem}</p>` : ""}
<form method="post" action="/interaction/${uid}">
<label for="account">Account</label> <input id="account" name="account" type="email" autocomplete="username">
<button type="submit">Continue</button></form></main></body></html>`;

const readForm = (req) =>
  new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
  });

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(page(details.uid));
    }
    const form = await readForm(req);
    const email = (form.get("account") || "").trim().toLowerCase();
    const found = ACCOUNTS[email];
    if (!found) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(page(details.uid, "No such account"));
    }
    const grant = new provider.Grant({ accountId: email, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, {
      login: { accountId: email, amr: found.amr, remember: false },
      consent: { grantId },
    });
  } catch (error) {
    res.writeHead(400, { "content-type": "text/plain" });
    return res.end(String(error));
  }
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
