// Self-test of the eID stand-in: real authorization-code + PKCE flows with plain fetch, ID tokens checked
// against the published JWKS with node's crypto, and the demo data checked for consistency.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { start } from '../server.mjs';

const CLIENT_ID = 'motcua-test';
const CLIENT_SECRET = 'test-secret';
const REDIRECT_URI = 'http://127.0.0.1:9/auth/callback';
const POST_LOGOUT = 'http://127.0.0.1:9/';
const accounts = JSON.parse(readFileSync(new URL('../accounts.json', import.meta.url), 'utf8'));

let eid;
before(async () => {
  eid = await start({
    citizenPort: 0, staffPort: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT],
  });
});
after(() => eid.close());

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A minimal cookie jar: one host, paths ignored (the provider scopes its cookies by name too). */
function jar() {
  const cookies = new Map();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res) {
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';');
        const i = pair.indexOf('=');
        const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
        if (expired) cookies.delete(pair.slice(0, i).trim());
        else cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1));
      }
    },
  };
}

async function get(url, cookies, init = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init, headers: { ...init.headers, cookie: cookies.header() } });
  cookies.take(res);
  return res;
}

/** Follows redirects by hand until the provider sends the browser back to the client. Also submits the
 *  provider's self-submitting form that signs the previous account out when another one signs in. */
async function follow(res, base, cookies) {
  for (let hops = 0; hops < 10; hops += 1) {
    if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/html')) {
      const html = await res.text();
      const action = html.match(/<form method="post" action="([^"]+\/session\/end\/confirm)">/)?.[1];
      if (!action) return new Response(html, { status: 200, headers: res.headers });
      const body = new URLSearchParams([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
      res = await get(action, cookies, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      continue;
    }
    if (![302, 303].includes(res.status)) return res;
    const location = new URL(res.headers.get('location'), base);
    if (location.href.startsWith(REDIRECT_URI) || location.href.startsWith(POST_LOGOUT)) return location;
    res = await get(location, cookies);
  }
  throw new Error('too many redirects');
}

function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

function authUrl(issuer, params) {
  const url = new URL('/auth', issuer);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', ...params,
  });
  return url;
}

/** Full sign-in with login_hint; returns the tokens and what the client sent. */
async function signIn(issuer, loginHint, extra = {}, cookies = jar()) {
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const res = await get(authUrl(issuer, {
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256', login_hint: loginHint, ...extra,
  }), cookies);
  const back = await follow(res, issuer, cookies);
  assert.ok(back instanceof URL, `expected a redirect to the client, got ${back.status}`);
  assert.equal(back.searchParams.get('state'), state);
  assert.equal(back.searchParams.get('iss'), issuer);
  const code = back.searchParams.get('code');
  assert.ok(code, `no code in ${back}`);
  const tokens = await exchange(issuer, code, verifier);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return { ...tokens.body, nonce, cookies };
}

async function exchange(issuer, code, verifier, secret = CLIENT_SECRET) {
  const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64');
  const res = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
  return { status: res.status, body: await res.json() };
}

/** Checks the ID token's RS256 signature against the issuer's JWKS and its standard claims; returns the payload. */
async function verifyIdToken(issuer, idToken, nonce) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  assert.equal(header.alg, 'RS256');
  const discovery = await (await fetch(new URL('/.well-known/openid-configuration', issuer))).json();
  const { keys } = await (await fetch(discovery.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} not in the JWKS`);
  assert.equal(jwk.d, undefined, 'the JWKS must not publish private key material');
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'ID token signature');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  assert.equal(payload.iss, issuer);
  assert.equal(payload.aud, CLIENT_ID);
  assert.equal(payload.nonce, nonce);
  assert.ok(payload.exp > now && payload.iat <= now + 5);
  return payload;
}

describe('discovery and health', () => {
  test('both issuers answer /healthz and publish PKCE S256 and an end_session_endpoint', async () => {
    for (const issuer of Object.values(eid.issuers)) {
      const health = await fetch(new URL('/healthz', issuer));
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const d = await (await fetch(new URL('/.well-known/openid-configuration', issuer))).json();
      assert.equal(d.issuer, issuer);
      assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
      assert.equal(d.end_session_endpoint, `${issuer}/session/end`);
      assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
      assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'));
      assert.ok(d.acr_values_supported.includes('LoA1'));
    }
    assert.notEqual(eid.citizenPort, eid.staffPort);
  });

  test('the JWKS publishes the committed RS256 and ES256 test keys', async () => {
    const { keys } = await (await fetch(new URL('/jwks', eid.issuers.citizen))).json();
    assert.deepEqual(keys.map((k) => k.kid).sort(), ['eid-citizen-test-es256', 'eid-citizen-test-rs256']);
  });
});

describe('citizen eID', () => {
  test('authorization code + PKCE with login_hint: ID token and userinfo carry the eID claims', async () => {
    const an = accounts.citizens[0];
    const tokens = await signIn(eid.issuers.citizen, an.sub, { acr_values: 'LoA1' });
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.refresh_token, undefined);
    const claims = await verifyIdToken(eid.issuers.citizen, tokens.id_token, tokens.nonce);
    assert.equal(claims.sub, 'vneid-0001');
    assert.equal(claims.SoDinhDanh, '001090012345');
    assert.equal(claims.HoVaTen, 'Nguyễn Văn An');
    assert.equal(claims.HoVaTen, claims.HoVaTen.normalize('NFC'));
    assert.equal(claims.NgayThangNamSinh, '19900115');
    assert.equal(claims.LoaiTaiKhoan, '1');
    assert.equal(claims.loAs, 'LoA2');
    assert.equal(claims.TechID, an.TechID);
    assert.equal(claims.ThuDienTu, an.ThuDienTu);
    assert.equal(claims.SoDienThoai, an.SoDienThoai);
    assert.equal(claims.MaSoThue, undefined);
    assert.equal(claims.acr, 'LoA2');

    const me = await fetch(new URL('/me', eid.issuers.citizen), { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(me.status, 200);
    const info = await me.json();
    for (const k of ['sub', 'SoDinhDanh', 'HoVaTen', 'NgayThangNamSinh', 'LoaiTaiKhoan', 'TechID', 'loAs']) {
      assert.equal(info[k], claims[k], k);
    }
  });

  test('a business account carries LoaiTaiKhoan 2 and MaSoThue', async () => {
    const tokens = await signIn(eid.issuers.citizen, 'vneid-dn-0001');
    const claims = await verifyIdToken(eid.issuers.citizen, tokens.id_token, tokens.nonce);
    assert.equal(claims.LoaiTaiKhoan, '2');
    assert.equal(claims.MaSoThue, '2801234564');
    assert.equal(claims.HoVaTen, 'Lê Đình Hưng');
  });

  test('empty values are left out of the token (no e-mail on file)', async () => {
    const tokens = await signIn(eid.issuers.citizen, 'vneid-0008');
    const claims = await verifyIdToken(eid.issuers.citizen, tokens.id_token, tokens.nonce);
    assert.equal(claims.HoVaTen, 'Bùi Thị Hạnh');
    assert.equal('ThuDienTu' in claims, false);
  });

  test('without JavaScript: the sign-in page lists the accounts and a form POST signs one in', async () => {
    const issuer = eid.issuers.citizen;
    const cookies = jar();
    const { verifier, challenge } = pkce();
    const res = await get(authUrl(issuer, { state: 's1', nonce: 'n1', code_challenge: challenge, code_challenge_method: 'S256' }), cookies);
    const pageRes = await follow(res, issuer, cookies);
    assert.equal(pageRes.status, 200);
    const html = await pageRes.text();
    assert.match(html, /<html lang="vi">/);
    assert.match(html, /<title>Đăng nhập VNeID \(môi trường thử nghiệm\)<\/title>/);
    assert.match(html, /001\*{6}345/);
    assert.doesNotMatch(html, /001090012345/, 'full personal IDs are never shown');
    const action = html.match(/<form method="post" action="([^"]+\/login)">/)[1];
    const posted = await get(new URL(action, issuer), cookies, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'sub=vneid-0002',
    });
    assert.equal(posted.status, 303);
    const back = await follow(posted, issuer, cookies);
    assert.equal(back.searchParams.get('state'), 's1');
    const tokens = await exchange(issuer, back.searchParams.get('code'), verifier);
    const claims = await verifyIdToken(issuer, tokens.body.id_token, 'n1');
    assert.equal(claims.HoVaTen, 'Trần Thị Bích Ngọc');
  });

  test('login_hint naming another account than the signed-in one switches accounts', async () => {
    const issuer = eid.issuers.citizen;
    const first = await signIn(issuer, 'vneid-0006');
    assert.equal((await verifyIdToken(issuer, first.id_token, first.nonce)).sub, 'vneid-0006');
    const again = await signIn(issuer, 'vneid-0006', {}, first.cookies); // same session, no new sign-in
    assert.equal((await verifyIdToken(issuer, again.id_token, again.nonce)).sub, 'vneid-0006');
    const other = await signIn(issuer, 'vneid-0007', {}, first.cookies);
    const claims = await verifyIdToken(issuer, other.id_token, other.nonce);
    assert.equal(claims.sub, 'vneid-0007');
    assert.equal(claims.HoVaTen, 'Vũ Quốc Bảo');
  });

  test('a request without PKCE is refused', async () => {
    const cookies = jar();
    const res = await get(authUrl(eid.issuers.citizen, { state: 's2', nonce: 'n2', login_hint: 'vneid-0001' }), cookies);
    const back = await follow(res, eid.issuers.citizen, cookies);
    assert.ok(back instanceof URL);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description'), /PKCE/);
    assert.equal(back.searchParams.get('code'), null);
  });

  test('plain PKCE, a wrong verifier and a wrong client secret are refused', async () => {
    const issuer = eid.issuers.citizen;
    let cookies = jar();
    const plain = await follow(await get(authUrl(issuer, {
      nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain', login_hint: 'vneid-0001',
    }), cookies), issuer, cookies);
    assert.equal(plain.searchParams.get('error'), 'invalid_request');

    for (const [secret, verifierOf, error, status] of [
      [CLIENT_SECRET, () => pkce().verifier, 'invalid_grant', 400],
      ['wrong', (v) => v, 'invalid_client', 401],
    ]) {
      cookies = jar();
      const { verifier, challenge } = pkce();
      const back = await follow(await get(authUrl(issuer, {
        nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', login_hint: 'vneid-0003',
      }), cookies), issuer, cookies);
      const res = await exchange(issuer, back.searchParams.get('code'), verifierOf(verifier), secret);
      assert.equal(res.status, status);
      assert.equal(res.body.error, error);
    }
  });

  test('RP-initiated logout returns to post_logout_redirect_uri', async () => {
    const issuer = eid.issuers.citizen;
    const { id_token: idToken, cookies } = await signIn(issuer, 'vneid-0004');
    const url = new URL('/session/end', issuer);
    url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: 'bye' });
    const confirm = await get(url, cookies);
    assert.equal(confirm.status, 200);
    const html = await confirm.text();
    assert.match(html, /<html lang="vi">/);
    const xsrf = html.match(/name="xsrf" value="([^"]+)"/)[1];
    const done = await get(new URL('/session/end/confirm', issuer), cookies, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    const back = await follow(done, issuer, cookies);
    assert.ok(back instanceof URL, `expected a redirect, got ${done.status}`);
    assert.equal(back.origin + back.pathname, POST_LOGOUT);
    assert.equal(back.searchParams.get('state'), 'bye');
  });
});

describe('staff identity provider', () => {
  test('sub is the username, with name and e-mail and no personal ID', async () => {
    const tokens = await signIn(eid.issuers.staff, 'hacthanh.motcua');
    const claims = await verifyIdToken(eid.issuers.staff, tokens.id_token, tokens.nonce);
    assert.equal(claims.sub, 'hacthanh.motcua');
    assert.equal(claims.name, 'Hoàng Thị Mai Anh');
    assert.equal(claims.email, 'hacthanh.motcua@thanhhoa.example');
    assert.equal(claims.SoDinhDanh, undefined);
  });

  test('a citizen token does not verify against the staff keys', async () => {
    const tokens = await signIn(eid.issuers.citizen, 'vneid-0005');
    await assert.rejects(verifyIdToken(eid.issuers.staff, tokens.id_token, tokens.nonce));
  });

  test('the staff sign-in page is in Vietnamese and lists the staff', async () => {
    const issuer = eid.issuers.staff;
    const cookies = jar();
    const { challenge } = pkce();
    const res = await get(authUrl(issuer, { nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' }), cookies);
    const html = await (await follow(res, issuer, cookies)).text();
    assert.match(html, /<title>Đăng nhập cán bộ \(thử nghiệm\)<\/title>/);
    assert.match(html, /nhanvien\.khongtontai/);
  });
});

describe('demo accounts', () => {
  test('citizens: NFC names, distinct personal IDs consistent with sex and birth date, valid phones', () => {
    const { citizens, businesses } = accounts;
    assert.ok(citizens.length >= 10);
    const ids = new Set();
    for (const c of citizens) {
      assert.equal(JSON.stringify(c), JSON.stringify(c).normalize('NFC'));
      assert.match(c.SoDinhDanh, /^\d{12}$/);
      assert.ok(!ids.has(c.SoDinhDanh), `duplicate ${c.SoDinhDanh}`);
      ids.add(c.SoDinhDanh);
      const year = Number(c.NgayThangNamSinh.slice(0, 4));
      const centuryDigit = (year >= 2000 ? 2 : 0) + (c.GioiTinh === '2' ? 1 : 0);
      assert.equal(c.SoDinhDanh[3], String(centuryDigit), c.HoVaTen);
      assert.equal(c.SoDinhDanh.slice(4, 6), c.NgayThangNamSinh.slice(2, 4), c.HoVaTen);
      assert.match(c.SoDienThoai, /^0[389]\d{8}$/);
      const { Ho, ChuDem, Ten } = c.HoVaTenChiTiet;
      assert.equal([Ho, ChuDem, Ten].filter(Boolean).join(' '), c.HoVaTen);
      for (const a of [c.ThuongTru, c.NoiOHienTai, c.QueQuan]) {
        assert.match(a.MaTinhThanh, /^\d{2}$/);
        assert.match(a.MaPhuongXa, /^\d{5}$/);
      }
    }
    const b = businesses[0];
    assert.equal(b.LoaiTaiKhoan, '2');
    assert.match(b.MaSoThue, /^\d{10}$/);
    // The tax code's 10th digit is its check digit.
    const sum = [31, 29, 23, 19, 17, 13, 7, 5, 3].reduce((acc, w, i) => acc + w * Number(b.MaSoThue[i]), 0);
    assert.equal(String(10 - (sum % 11)), b.MaSoThue[9]);
  });

  test('staff: exactly the usernames seeded in motcua, plus one without a motcua account', () => {
    const seed = new URL('../../../backend/src/seed.rs', import.meta.url);
    const mine = accounts.staff.filter((s) => s.inMotcua).map((s) => s.sub).sort();
    assert.ok(accounts.staff.some((s) => s.sub === 'nhanvien.khongtontai' && !s.inMotcua));
    if (!existsSync(seed)) return;
    const source = readFileSync(seed, 'utf8');
    const block = source.slice(source.indexOf('const STAFF'));
    const seeded = [...block.slice(0, block.indexOf('];')).matchAll(/\(\s*"([a-z.]+)",\s*"([^"]+)"/g)];
    assert.deepEqual(mine, seeded.map((m) => m[1]).sort());
    for (const [, username, name] of seeded) {
      assert.equal(accounts.staff.find((s) => s.sub === username).name, name);
    }
  });
});
