// Stand-in for the national eID (VNeID / national portal SSO) and the province's staff identity provider.
// One process, two OpenID Connect issuers on two ports (npm oidc-provider). Dev and tests only: test keys,
// in-memory storage, demo accounts from accounts.json, and a sign-in page that lists those accounts.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import Provider, { interactionPolicy } from 'oidc-provider';

const here = (path) => new URL(path, import.meta.url);
const readJson = (path) => JSON.parse(readFileSync(here(path), 'utf8'));
const accounts = readJson('./accounts.json');

/** Claims each issuer puts in the ID token and the userinfo answer, all under the `openid` scope
 *  (the national SSOs are called with `scope=openid` only). Empty values are left out. */
const CITIZEN_CLAIMS = ['SoDinhDanh', 'HoVaTen', 'NgayThangNamSinh', 'LoaiTaiKhoan', 'TechID', 'loAs',
  'ThuDienTu', 'SoDienThoai', 'MaSoThue'];
const STAFF_CLAIMS = ['name', 'email'];

const ISSUERS = {
  citizen: {
    title: 'Đăng nhập VNeID (môi trường thử nghiệm)',
    heading: 'Đăng nhập bằng tài khoản định danh điện tử',
    accounts: [...accounts.citizens, ...accounts.businesses],
    claims: CITIZEN_CLAIMS,
    acr: 'LoA2',
    // Button text: name, then the masked personal ID (read out as its first and last digits).
    label: (a) => (a.LoaiTaiKhoan === '2'
      ? [a.TenDoanhNghiep, `Doanh nghiệp · MST ${a.MaSoThue} · người đại diện ${a.HoVaTen}`]
      : [a.HoVaTen, maskId(a.SoDinhDanh),
        `số định danh bắt đầu ${a.SoDinhDanh.slice(0, 3)}, kết thúc ${a.SoDinhDanh.slice(-3)}`]),
  },
  staff: {
    title: 'Đăng nhập cán bộ (thử nghiệm)',
    heading: 'Đăng nhập tài khoản cán bộ, công chức',
    accounts: accounts.staff,
    claims: STAFF_CLAIMS,
    acr: 'LoA2',
    label: (a) => [a.name, `${a.sub}${a.title ? ` · ${a.title}` : ''}`],
  },
};

export function maskId(id) {
  return `${id.slice(0, 3)}******${id.slice(-3)}`;
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One account button: a name, a detail line, and optionally what a screen reader says instead of the detail. */
const button = (sub, name, detail, spoken) => `<button type="submit" name="sub" value="${escapeHtml(sub)}">`
  + `<span class="name">${escapeHtml(name)}</span> <span class="detail"${spoken ? ' aria-hidden="true"' : ''}>${escapeHtml(detail)}</span>`
  + `${spoken ? `<span class="sr">${escapeHtml(spoken)}</span>` : ''}</button>`;

const CSS = `body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;background:#f3f5f8;color:#1a1a1a;margin:0}
main{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;color:#a50e0e;margin-top:0}.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem .75rem}
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.5rem}
button{display:block;width:100%;text-align:left;margin:.35rem 0;padding:.65rem .9rem;font:inherit;border:1px solid #b7c0cc;
border-radius:6px;background:#fff;cursor:pointer}button:hover,button:focus{background:#e8f0fe;border-color:#1a56db}
button:focus{outline:3px solid #1a56db;outline-offset:2px}.secondary{text-align:center;background:#f3f5f8}
.name{display:block;font-weight:600}.detail{color:#4a5563;font-size:.9em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
${body}
</main></body>
</html>`;
}

/** The demo accounts' claims, as the real SSO returns them (strings; absent values left out). */
function claimsOf(account, names) {
  const out = { sub: account.sub };
  for (const name of names) {
    if (account[name] !== undefined && account[name] !== '') out[name] = account[name];
  }
  return out;
}

function makeProvider(kind, issuer, opts) {
  const spec = ISSUERS[kind];
  const byId = new Map(spec.accounts.map((a) => [a.sub, a]));

  // A login_hint naming another account than the signed-in one asks for a new sign-in (so tests and
  // browsers can switch accounts without signing out first).
  const policy = interactionPolicy.base();
  policy.get('login').checks.add(new interactionPolicy.Check(
    'login_hint_other_account',
    'login_hint names another account than the signed-in one',
    (ctx) => {
      const { oidc } = ctx;
      const hint = oidc.params.login_hint;
      return Boolean(hint && byId.has(hint) && oidc.session.accountId
        && hint !== oidc.session.accountId && !oidc.result?.login);
    },
  ));

  const provider = new Provider(issuer, {
    clients: [{
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      client_name: 'Hệ thống thông tin giải quyết thủ tục hành chính (motcua)',
      redirect_uris: opts.redirectUris,
      post_logout_redirect_uris: opts.postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: readJson(`./keys/${kind}.json`),
    scopes: ['openid'], // other scopes (profile, email, offline_access) are ignored; no refresh tokens
    claims: { acr: null, auth_time: null, sid: null, openid: ['sub', ...spec.claims] },
    conformIdTokenClaims: false, // scope claims go in the ID token even though an access token is issued
    acrValues: ['LoA1', 'LoA2'],
    pkce: { methods: ['S256'], required: () => true }, // PKCE for every request, S256 only
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    // Cookies are per host, not per port: the two issuers (and motcua on 127.0.0.1:8080) must not share names.
    cookies: {
      names: { session: `eid_${kind}_session`, interaction: `eid_${kind}_interaction`, resume: `eid_${kind}_resume` },
      keys: [`motcua-eid-sim-${kind}-cookie-key-dev-only`],
    },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 8 * 3600, Grant: 8 * 3600,
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const account = byId.get(sub);
      return account && { accountId: sub, claims: async () => claimsOf(account, spec.claims) };
    },
    // First-party client: consent is given automatically for whatever it asks.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      const grant = (grantId && await oidc.provider.Grant.find(grantId))
        || new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Lỗi đăng nhập', `<h1>Không thể đăng nhập</h1>
<p>Yêu cầu đăng nhập không hợp lệ.</p>
<dl>${Object.entries(out).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`);
    },
  });

  async function logoutSource(ctx, form) {
    ctx.body = page('Đăng xuất', `<h1>Đăng xuất</h1>
<p>Bạn có muốn đăng xuất khỏi ${escapeHtml(spec.title)}?</p>
${form}
<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Đăng xuất</button>
<button type="submit" form="op.logoutForm" class="secondary">Không, giữ đăng nhập</button>`);
  }

  async function postLogoutSuccessSource(ctx) {
    ctx.body = page('Đã đăng xuất', '<h1>Đã đăng xuất</h1><p>Bạn đã đăng xuất thành công.</p>');
  }

  /** GET /interaction/:uid (the account list, or straight through with login_hint) and
   *  POST /interaction/:uid/login (sub=...) or /interaction/:uid/abort. */
  async function interaction(req, res, url) {
    const [, , uid, action] = url.pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const finish = (result) => provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    const login = (sub) => finish({ login: { accountId: sub, acr: spec.acr, amr: ['pwd'] } });

    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (action === 'abort') {
        return finish({ error: 'access_denied', error_description: 'End-User aborted the sign-in' });
      }
      if (action === 'login' && byId.has(form.get('sub'))) return login(form.get('sub'));
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Tài khoản không hợp lệ');
      return undefined;
    }

    if (details.prompt.name === 'login') {
      const hint = details.params.login_hint;
      if (hint && byId.has(hint)) return login(hint); // stand-in only: sign the hinted account in directly
      const client = await provider.Client.find(details.params.client_id);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(spec.title, `<h1>${escapeHtml(spec.title)}</h1>
<p class="note">Môi trường thử nghiệm: chỉ có tài khoản mẫu, không nhập thông tin thật.</p>
<p>${escapeHtml(spec.heading)} để tiếp tục vào <strong>${escapeHtml(client?.clientName ?? details.params.client_id)}</strong>.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<fieldset><legend>Chọn tài khoản mẫu để đăng nhập</legend>
${spec.accounts.map((a) => button(a.sub, ...spec.label(a))).join('\n')}
</fieldset></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="secondary">Hủy đăng nhập</button></form>`));
      return undefined;
    }

    // Not reached with loadExistingGrant above; kept so a consent prompt can never leave the user stuck.
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    return finish({ consent: { grantId: await grant.save() } });
  }

  const callback = provider.callback();
  return async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url.pathname.startsWith('/interaction/')) {
        await interaction(req, res, url);
      } else {
        callback(req, res);
      }
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Lỗi đăng nhập', `<h1>Không thể đăng nhập</h1><p>${escapeHtml(err.message)}</p>`));
      }
    }
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function listen(handler, port, host) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Starts both issuers. Port 0 picks a free port; the bound ports and issuer URLs are returned. */
export async function start({
  citizenPort = 8101, staffPort = 8102, host = '127.0.0.1', clientId = 'motcua', clientSecret = 'motcua-dev-secret',
  redirectUris = ['http://127.0.0.1:8080/auth/callback'], postLogoutRedirectUris = ['http://127.0.0.1:8080/'],
} = {}) {
  const opts = { clientId, clientSecret, redirectUris, postLogoutRedirectUris };
  const servers = [];
  const issuers = {};
  const ports = {};
  try {
    for (const [kind, port] of [['citizen', citizenPort], ['staff', staffPort]]) {
      // The issuer needs the port before the provider exists: with port 0, bind first, then attach.
      let handler = (_req, res) => res.writeHead(503).end();
      const server = await listen((req, res) => handler(req, res), port, host);
      servers.push(server);
      ports[kind] = server.address().port;
      issuers[kind] = `http://${host.includes(':') ? `[${host}]` : host}:${ports[kind]}`;
      handler = makeProvider(kind, issuers[kind], opts);
    }
  } catch (err) {
    servers.forEach((s) => s.close());
    throw err;
  }
  return {
    citizenPort: ports.citizen,
    staffPort: ports.staff,
    issuers,
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    }))),
  };
}

const list = (value, fallback) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : fallback);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const env = process.env;
  const running = await start({
    citizenPort: Number(env.EID_CITIZEN_PORT ?? 8101),
    staffPort: Number(env.EID_STAFF_PORT ?? 8102),
    host: env.EID_HOST || '127.0.0.1',
    clientId: env.EID_CLIENT_ID || 'motcua',
    clientSecret: env.EID_CLIENT_SECRET || 'motcua-dev-secret',
    redirectUris: list(env.EID_REDIRECT_URIS, ['http://127.0.0.1:8080/auth/callback']),
    postLogoutRedirectUris: list(env.EID_POST_LOGOUT_REDIRECT_URIS, ['http://127.0.0.1:8080/']),
  });
  console.log(`eID stand-in: citizen issuer ${running.issuers.citizen}, staff issuer ${running.issuers.staff}`);
  const stop = () => running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
