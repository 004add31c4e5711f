//! Verifying the bearer JWTs the sharing platform issues to the national portal (interop.md §5).
//!
//! A token is accepted only when all of these hold, checked in this order:
//! 1. it is a compact JWS (three base64url parts) of at most [`MAX_TOKEN_BYTES`];
//! 2. its header's `alg` is RS256 or ES256 ([`ALLOWED_ALGORITHMS`]): `none`, every HMAC (and so the classic
//!    "HMAC keyed with the public key" forgery), PS*, ES384 and EdDSA are refused before any key is looked at;
//!    a `crit` header (an extension we would have to understand) is refused as malformed;
//! 3. its `kid` names a key of the platform's JWKS (no `kid`: refused), and that key is of the header's type
//!    (RSA for RS256, EC P-256 for ES256, and the JWK's own `alg`, when it has one, is the header's);
//! 4. the signature verifies with that key;
//! 5. `iss` is the configured issuer exactly, `aud` (a string or an array) contains the configured audience,
//!    `exp` is present and `exp`/`nbf` hold with at most [`LEEWAY_SECS`] of clock skew, and `scope`
//!    (space-separated string, or array) contains [`REQUIRED_SCOPE`].
//!
//! The JWKS is fetched lazily and kept in memory (per instance: only an optimisation). A `kid` missing from the
//! cached set triggers one refetch, and the set is refreshed when older than [`JWKS_MAX_AGE`] (so a key the
//! platform withdrew stops being trusted); every fetch, whatever caused it, is rate-limited to one per the
//! configured interval, so a flood of made-up `kid`s costs the platform at most one request per interval.
//! Refusals carry a stable [`TokenError::reason`]; the token itself is never logged nor put in an error.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;
use serde_json::Value;

use crate::config::Config;

/// The only signature algorithms accepted.
pub const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 60;
/// The scope every inbound call of the national portal needs.
pub const REQUIRED_SCOPE: &str = "dvcqg";
/// Longer tokens are refused unparsed.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// A cached key set older than this is refreshed on next use (subject to the rate limit).
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(3600);
/// Time limit of one JWKS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Larger JWKS answers are refused.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a token was refused. The reason codes are stable: they appear in API error details and in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no bearer token in the Authorization header")]
    MissingToken,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not allowed (RS256 or ES256 with a key of that type only)")]
    AlgNotAllowed,
    #[error("the token names no key the sharing platform publishes")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token was not issued by the sharing platform")]
    WrongIssuer,
    #[error("the token is not meant for this system")]
    WrongAudience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token lacks the dvcqg scope")]
    MissingScope,
    #[error("the sharing platform's signing keys could not be fetched")]
    JwksUnavailable,
}

impl TokenError {
    /// The stable snake_case reason code.
    pub fn reason(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::Malformed => "malformed",
            Self::AlgNotAllowed => "alg_not_allowed",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::MissingScope => "missing_scope",
            Self::JwksUnavailable => "jwks_unavailable",
        }
    }
}

/// What a verified token says about the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `sub`, when present.
    pub subject: Option<String>,
    /// `client_id` (RFC 9068), else `azp`, when present.
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    /// `exp`, seconds since the Unix epoch.
    pub expires_at: i64,
    /// The platform key that signed the token.
    pub key_id: String,
}

/// The verifier: configuration, HTTP client and the cached key set. One per process, shared.
pub struct Verifier {
    jwks_url: String,
    issuer: String,
    audience: String,
    min_fetch_interval: Duration,
    http: reqwest::Client,
    /// The last key set fetched (`None` until a fetch succeeds).
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Held while fetching (one fetch at a time); holds when the last fetch was attempted.
    fetch: tokio::sync::Mutex<Option<Instant>>,
}

struct KeySet {
    keys: HashMap<String, Arc<Key>>,
    fetched_at: Instant,
}

/// A usable platform key: the one algorithm it verifies, and the key.
struct Key {
    alg: Algorithm,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for tokens from `issuer` meant for `audience`, with the keys at `jwks_url`;
    /// JWKS fetches are at least `min_fetch_interval` apart.
    pub fn new(
        jwks_url: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
        min_fetch_interval: Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client for the JWKS builds");
        Self {
            jwks_url: jwks_url.into(),
            issuer: issuer.into(),
            audience: audience.into(),
            min_fetch_interval,
            http,
            keys: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(None),
        }
    }

    /// The verifier the configuration describes (`MOTCUA_PLATFORM_*`).
    pub fn from_config(config: &Config) -> Self {
        Self::new(
            config.platform_jwks_url.clone(),
            config.platform_issuer.clone(),
            config.platform_audience.clone(),
            config.platform_jwks_refetch,
        )
    }

    /// Verifies `token` (the part after `Bearer `) now.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = parse_header(token)?;
        let key = self.key(&header.kid).await?;
        if key.alg != header.alg {
            return Err(TokenError::AlgNotAllowed);
        }
        let claims = verify_signature(token, &key)?;
        check_claims(&claims, unix_now(), &self.issuer, &self.audience, header.kid)
    }

    fn cached(&self) -> Option<Arc<KeySet>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The key named `kid`: from the cache, else after one (rate-limited) fetch of the JWKS.
    async fn key(&self, kid: &str) -> Result<Arc<Key>, TokenError> {
        let fresh = |set: &KeySet| set.fetched_at.elapsed() < JWKS_MAX_AGE;
        if let Some(set) = self.cached()
            && fresh(&set)
            && let Some(key) = set.keys.get(kid)
        {
            return Ok(key.clone());
        }
        let mut last_attempt = self.fetch.lock().await;
        // Another request may have fetched while this one waited for the lock.
        let cached = self.cached();
        if let Some(set) = &cached
            && fresh(set)
            && let Some(key) = set.keys.get(kid)
        {
            return Ok(key.clone());
        }
        let stale = cached.as_ref().and_then(|set| set.keys.get(kid).cloned());
        if last_attempt.is_some_and(|t| t.elapsed() < self.min_fetch_interval) {
            // Rate-limited: answer from what we have.
            return match (stale, cached) {
                (Some(key), _) => Ok(key),
                (None, Some(_)) => Err(TokenError::UnknownKey),
                (None, None) => Err(TokenError::JwksUnavailable),
            };
        }
        *last_attempt = Some(Instant::now());
        match self.fetch_keys().await {
            Ok(keys) => {
                let key = keys.get(kid).cloned();
                let set = Arc::new(KeySet { keys, fetched_at: Instant::now() });
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(set);
                key.ok_or(TokenError::UnknownKey)
            }
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), url = %self.jwks_url, "cannot fetch the sharing platform's JWKS");
                // A key we already trusted stays usable while the platform is unreachable.
                stale.ok_or(TokenError::JwksUnavailable)
            }
        }
    }

    async fn fetch_keys(&self) -> anyhow::Result<HashMap<String, Arc<Key>>> {
        let mut res = self
            .http
            .get(&self.jwks_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?
            .error_for_status()?;
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await? {
            anyhow::ensure!(
                body.len() + chunk.len() <= MAX_JWKS_BYTES,
                "the JWKS is larger than {MAX_JWKS_BYTES} bytes"
            );
            body.extend_from_slice(&chunk);
        }
        #[derive(Deserialize)]
        struct JwkSet {
            keys: Vec<Value>,
        }
        let set: JwkSet = serde_json::from_slice(&body)?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            // Keys we cannot use (other types, encryption keys, no kid) are skipped, not fatal.
            if let Some((kid, key)) = serde_json::from_value::<Jwk>(jwk).ok().as_ref().and_then(usable_key) {
                keys.entry(kid).or_insert_with(|| Arc::new(key));
            }
        }
        if keys.is_empty() {
            tracing::warn!(url = %self.jwks_url, "the sharing platform's JWKS holds no usable RS256/ES256 key");
        }
        Ok(keys)
    }
}

/// The kid and the key, if the JWK is a signature key we accept: RSA (RS256) or EC P-256 (ES256).
fn usable_key(jwk: &Jwk) -> Option<(String, Key)> {
    let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
    if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != PublicKeyUse::Signature) {
        return None;
    }
    let (alg, key_alg) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (Algorithm::RS256, KeyAlgorithm::RS256),
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
            (Algorithm::ES256, KeyAlgorithm::ES256)
        }
        _ => return None,
    };
    if jwk.common.key_algorithm.is_some_and(|a| a != key_alg) {
        return None;
    }
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, Key { alg, decoding }))
}

/// What the header says, checked before any key is looked up.
#[derive(Debug, PartialEq, Eq)]
struct TokenHeader {
    alg: Algorithm,
    kid: String,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Value,
    #[serde(default)]
    kid: Option<Value>,
    #[serde(default)]
    crit: Option<Value>,
}

fn parse_header(token: &str) -> Result<TokenHeader, TokenError> {
    if token.is_empty() {
        return Err(TokenError::MissingToken);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let raw: RawHeader =
        base64url_decode(header).and_then(|json| serde_json::from_slice(&json).ok()).ok_or(TokenError::Malformed)?;
    let alg = match raw.alg.as_str().map(str::parse::<Algorithm>) {
        Some(Ok(alg)) if ALLOWED_ALGORITHMS.contains(&alg) => alg,
        // `none`, HMAC, PS*, ES384, EdDSA and names nobody knows.
        Some(_) => return Err(TokenError::AlgNotAllowed),
        None => return Err(TokenError::Malformed),
    };
    if raw.crit.is_some() {
        return Err(TokenError::Malformed);
    }
    let kid = match raw.kid {
        None | Some(Value::Null) => return Err(TokenError::UnknownKey),
        Some(Value::String(k)) if !k.is_empty() => k,
        Some(_) => return Err(TokenError::Malformed),
    };
    Ok(TokenHeader { alg, kid })
}

/// Strict base64url without padding (RFC 7515 §2).
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A leftover of 6 bits (length ≡ 1 mod 4) cannot encode a byte; other leftovers must be zero bits.
    (bits < 6 && acc == 0).then_some(out)
}

/// Checks the signature with `key` (whose algorithm is the header's) and returns the claims, unchecked.
fn verify_signature(token: &str, key: &Key) -> Result<Value, TokenError> {
    let mut validation = Validation::new(key.alg);
    // The claims are checked by `check_claims`, with exact rules; here only the signature.
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<Value>(token, &key.decoding, &validation) {
        Ok(data) => Ok(data.claims),
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidKeyFormat => TokenError::BadSignature,
            ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => TokenError::AlgNotAllowed,
            _ => TokenError::Malformed,
        }),
    }
}

/// Checks the claims of a token whose signature verified, at `now` (seconds since the Unix epoch).
fn check_claims(claims: &Value, now: i64, issuer: &str, audience: &str, kid: String) -> Result<Claims, TokenError> {
    let claims = claims.as_object().ok_or(TokenError::Malformed)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str| -> Result<Option<i64>, TokenError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f.floor() as i64))
                .map(Some)
                .ok_or(TokenError::Malformed),
        }
    };
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(TokenError::WrongIssuer);
    }
    let meant_for_us = match claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !meant_for_us {
        return Err(TokenError::WrongAudience);
    }
    // A token without `exp` would be valid forever: refused.
    let exp = number("exp")?.ok_or(TokenError::Malformed)?;
    if now >= exp.saturating_add(LEEWAY_SECS) {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = number("nbf")?
        && now < nbf.saturating_sub(LEEWAY_SECS)
    {
        return Err(TokenError::NotYetValid);
    }
    let scopes: Vec<String> = match claims.get("scope") {
        Some(Value::String(s)) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    if !scopes.iter().any(|s| s == REQUIRED_SCOPE) {
        return Err(TokenError::MissingScope);
    }
    Ok(Claims {
        subject: text("sub"),
        client_id: text("client_id").or_else(|| text("azp")),
        scopes,
        expires_at: exp,
        key_id: kid,
    })
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ISS: &str = "https://platform.example/oauth2";
    const AUD: &str = "motcua";
    const NOW: i64 = 1_780_000_000;

    fn b64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    fn token_with_header(header: Value) -> String {
        format!("{}.{}.c2ln", b64(header.to_string().as_bytes()), b64(b"{}"))
    }

    fn claims() -> Value {
        json!({"iss": ISS, "aud": AUD, "exp": NOW + 300, "nbf": NOW - 5, "scope": "openid dvcqg", "sub": "dvcqg-portal",
               "client_id": "dvcqg"})
    }

    fn check(claims: &Value) -> Result<Claims, TokenError> {
        check_claims(claims, NOW, ISS, AUD, "k1".into())
    }

    fn with(mut base: Value, key: &str, value: Value) -> Value {
        base[key] = value;
        base
    }

    fn without(mut base: Value, key: &str) -> Value {
        base.as_object_mut().map(|o| o.remove(key));
        base
    }

    #[test]
    fn base64url_round_trips_and_is_strict() {
        for input in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", &[0xff, 0xfe, 0x00]] {
            assert_eq!(base64url_decode(&b64(input)).as_deref(), Some(input), "{input:?}");
        }
        assert_eq!(base64url_decode("Zm9v"), Some(b"foo".to_vec()));
        assert_eq!(base64url_decode("Zm9v="), None, "padding is not base64url in a JWT");
        assert_eq!(base64url_decode("Zm+v"), None, "standard alphabet refused");
        assert_eq!(base64url_decode("Z"), None, "a lone sextet encodes nothing");
        assert_eq!(base64url_decode("Zh"), None, "non-zero trailing bits");
    }

    #[test]
    fn header_allows_rs256_and_es256_only() {
        for alg in ["RS256", "ES256"] {
            let h = parse_header(&token_with_header(json!({"alg": alg, "kid": "k1", "typ": "at+jwt"}))).expect(alg);
            assert_eq!(h.kid, "k1");
        }
        for alg in [
            "none", "None", "HS256", "HS384", "HS512", "PS256", "PS384", "PS512", "RS384", "RS512", "ES384", "EdDSA",
            "",
        ] {
            let got = parse_header(&token_with_header(json!({"alg": alg, "kid": "k1"})));
            assert_eq!(got, Err(TokenError::AlgNotAllowed), "{alg}");
        }
        assert_eq!(parse_header(&token_with_header(json!({"kid": "k1"}))), Err(TokenError::Malformed));
        assert_eq!(parse_header(&token_with_header(json!({"alg": 256, "kid": "k1"}))), Err(TokenError::Malformed));
    }

    #[test]
    fn header_needs_a_kid_and_no_crit() {
        assert_eq!(parse_header(&token_with_header(json!({"alg": "RS256"}))), Err(TokenError::UnknownKey));
        assert_eq!(parse_header(&token_with_header(json!({"alg": "RS256", "kid": null}))), Err(TokenError::UnknownKey));
        assert_eq!(parse_header(&token_with_header(json!({"alg": "RS256", "kid": ""}))), Err(TokenError::Malformed));
        assert_eq!(parse_header(&token_with_header(json!({"alg": "RS256", "kid": 7}))), Err(TokenError::Malformed));
        let crit = json!({"alg": "RS256", "kid": "k1", "crit": ["b64"], "b64": false});
        assert_eq!(parse_header(&token_with_header(crit)), Err(TokenError::Malformed));
    }

    #[test]
    fn header_refuses_what_is_not_a_compact_jws() {
        let good = token_with_header(json!({"alg": "RS256", "kid": "k1"}));
        assert_eq!(parse_header(""), Err(TokenError::MissingToken));
        for bad in [
            "garbage".to_owned(),
            "a.b".to_owned(),
            format!("{good}.more"),
            format!("{good}.a.b"),
            format!("!{good}"),
            format!("{}.e30.c2ln", b64(b"not json")),
            format!("{}.e30.c2ln", b64(b"[1, 2]")),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert_eq!(parse_header(&bad), Err(TokenError::Malformed), "{bad:.60}");
        }
    }

    #[test]
    fn good_claims_pass() {
        let c = check(&claims()).expect("valid");
        assert_eq!(c.subject.as_deref(), Some("dvcqg-portal"));
        assert_eq!(c.client_id.as_deref(), Some("dvcqg"));
        assert_eq!(c.scopes, ["openid", "dvcqg"]);
        assert_eq!(c.expires_at, NOW + 300);
        assert_eq!(c.key_id, "k1");
        check(&with(claims(), "aud", json!(["other", AUD]))).expect("aud array");
        check(&with(claims(), "scope", json!(["dvcqg"]))).expect("scope array");
        check(&without(claims(), "nbf")).expect("nbf optional");
        check(&with(claims(), "exp", json!(NOW as f64 + 0.5))).expect("fractional NumericDate");
    }

    #[test]
    fn issuer_must_match_exactly() {
        for iss in
            [json!("https://platform.example/oauth2/"), json!("https://evil.example/oauth2"), json!([ISS]), json!(null)]
        {
            assert_eq!(check(&with(claims(), "iss", iss.clone())), Err(TokenError::WrongIssuer), "{iss}");
        }
        assert_eq!(check(&without(claims(), "iss")), Err(TokenError::WrongIssuer));
    }

    #[test]
    fn audience_must_contain_ours() {
        for aud in [json!("motcua-other"), json!(["a", "b"]), json!([]), json!(7), json!("MOTCUA")] {
            assert_eq!(check(&with(claims(), "aud", aud.clone())), Err(TokenError::WrongAudience), "{aud}");
        }
        assert_eq!(check(&without(claims(), "aud")), Err(TokenError::WrongAudience));
    }

    #[test]
    fn expiry_and_not_before_allow_sixty_seconds_of_skew() {
        check(&with(claims(), "exp", json!(NOW - 59))).expect("59 s past exp: within the leeway");
        assert_eq!(check(&with(claims(), "exp", json!(NOW - 60))), Err(TokenError::Expired));
        assert_eq!(check(&with(claims(), "exp", json!(NOW - 3600))), Err(TokenError::Expired));
        assert_eq!(check(&without(claims(), "exp")), Err(TokenError::Malformed), "exp is required");
        assert_eq!(check(&with(claims(), "exp", json!("soon"))), Err(TokenError::Malformed));
        check(&with(claims(), "nbf", json!(NOW + 60))).expect("60 s early: within the leeway");
        assert_eq!(check(&with(claims(), "nbf", json!(NOW + 61))), Err(TokenError::NotYetValid));
        assert_eq!(check(&with(claims(), "nbf", json!("later"))), Err(TokenError::Malformed));
    }

    #[test]
    fn scope_must_contain_dvcqg() {
        for scope in [json!("openid"), json!("dvcqg2 xdvcqg"), json!("DVCQG"), json!(["openid"]), json!(1), json!(null)]
        {
            assert_eq!(check(&with(claims(), "scope", scope.clone())), Err(TokenError::MissingScope), "{scope}");
        }
        assert_eq!(check(&without(claims(), "scope")), Err(TokenError::MissingScope));
        assert_eq!(check(&json!([1, 2])), Err(TokenError::Malformed));
    }

    #[test]
    fn only_signature_keys_of_the_allowed_types_are_kept() {
        let ec = |crv: &str| {
            json!({"kty": "EC", "crv": crv, "kid": "ec", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                   "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
        };
        let rsa = json!({"kty": "RSA", "kid": "rsa", "n": b64(&[0xc5; 256]), "e": "AQAB"});
        let parse =
            |v: Value| serde_json::from_value::<Jwk>(v).ok().as_ref().and_then(usable_key).map(|(k, key)| (k, key.alg));
        assert_eq!(parse(rsa.clone()), Some(("rsa".into(), Algorithm::RS256)));
        assert_eq!(parse(with(rsa.clone(), "alg", json!("RS256"))), Some(("rsa".into(), Algorithm::RS256)));
        assert_eq!(parse(with(rsa.clone(), "use", json!("sig"))), Some(("rsa".into(), Algorithm::RS256)));
        assert_eq!(parse(with(rsa.clone(), "alg", json!("PS256"))), None, "a PSS key is not an RS256 key");
        assert_eq!(parse(with(rsa.clone(), "use", json!("enc"))), None);
        assert_eq!(parse(without(rsa, "kid")), None);
        assert_eq!(parse(ec("P-256")), Some(("ec".into(), Algorithm::ES256)));
        assert_eq!(parse(ec("P-384")), None);
        assert_eq!(parse(json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"})), None, "never a shared secret");
        assert_eq!(
            parse(
                json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
            ),
            None
        );
    }

    #[test]
    fn reasons_are_stable() {
        let all = [
            TokenError::MissingToken,
            TokenError::Malformed,
            TokenError::AlgNotAllowed,
            TokenError::UnknownKey,
            TokenError::BadSignature,
            TokenError::WrongIssuer,
            TokenError::WrongAudience,
            TokenError::Expired,
            TokenError::NotYetValid,
            TokenError::MissingScope,
            TokenError::JwksUnavailable,
        ];
        let reasons: Vec<_> = all.iter().map(|e| e.reason()).collect();
        assert_eq!(
            reasons,
            [
                "missing_token",
                "malformed",
                "alg_not_allowed",
                "unknown_key",
                "bad_signature",
                "wrong_issuer",
                "wrong_audience",
                "expired",
                "not_yet_valid",
                "missing_scope",
                "jwks_unavailable"
            ]
        );
    }
}
