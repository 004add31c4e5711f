//! Sign-in with OpenID Connect: the citizen eID provider (VNeID / the national portal's SSO) and the
//! province's staff identity provider, as a relying party built on the `openidconnect` crate.
//!
//! Authorization code flow with PKCE (S256), `state` and `nonce` bound to the browser (the pending
//! request is stored server-side and tied to a one-off cookie), the `iss` response parameter checked
//! when present, discovery from the configured issuer, ID-token signature checked against the
//! provider's keys with an algorithm allowlist (RS256, ES256), `iss`, `aud`, `exp`, `iat` and `nonce`
//! checked. Everything the flow needs lives here, so stronger profiles (PAR, private_key_jwt, DPoP)
//! can be added in one place.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyAdditionalProviderMetadata,
    EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    LogoutProviderMetadata, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim,
        CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken,
        CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::config::Secret;

/// The claims of interop.md §6 beyond the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EidClaims {
    #[serde(rename = "SoDinhDanh", default, skip_serializing_if = "Option::is_none")]
    pub personal_id: Option<String>,
    #[serde(rename = "HoVaTen", default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `yyyyMMdd`.
    #[serde(rename = "NgayThangNamSinh", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// 1 citizen, 2 business, 3 organisation (a string in the national APIs; numbers accepted).
    #[serde(rename = "LoaiTaiKhoan", default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<serde_json::Value>,
    #[serde(rename = "TechID", default, skip_serializing_if = "Option::is_none")]
    pub tech_id: Option<String>,
    #[serde(rename = "loAs", default, skip_serializing_if = "Option::is_none")]
    pub loas: Option<serde_json::Value>,
    #[serde(rename = "MaSoThue", default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    #[serde(rename = "ThuDienTu", default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "SoDienThoai", default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Staff providers send the standard `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AdditionalClaims for EidClaims {}

type Fields = IdTokenFields<
    EidClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = openidconnect::Client<
    EidClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Which identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Citizen,
    Staff,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "citizen" => Some(Self::Citizen),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// One provider's settings.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// Why a sign-in failed: a stable code for the audit log and the page shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider could not be reached")]
    ProviderUnavailable,
    #[error("the authorization response's issuer is not the expected one")]
    WrongIssuerParameter,
    #[error("the code exchange failed")]
    ExchangeFailed,
    #[error("no ID token in the token response")]
    NoIdToken,
    /// The ID token failed verification; the detail is a stable sub-code (`nonce`, `issuer`, `audience`,
    /// `expired`, `signature`, `unsupported`, ...), so the audit log can tell an injection from clock skew.
    #[error("the ID token failed verification ({0})")]
    InvalidIdToken(&'static str),
    #[error("the ID token's issue time is out of range")]
    BadIssueTime,
}

impl SignInError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ProviderUnavailable => "provider_unavailable",
            Self::WrongIssuerParameter => "wrong_iss_parameter",
            Self::ExchangeFailed => "code_exchange_failed",
            Self::NoIdToken => "no_id_token",
            Self::InvalidIdToken("nonce") => "invalid_id_token:nonce",
            Self::InvalidIdToken("issuer") => "invalid_id_token:issuer",
            Self::InvalidIdToken("audience") => "invalid_id_token:audience",
            Self::InvalidIdToken("expired") => "invalid_id_token:expired",
            Self::InvalidIdToken("signature") => "invalid_id_token:signature",
            Self::InvalidIdToken("unsupported") => "invalid_id_token:unsupported",
            Self::InvalidIdToken(_) => "invalid_id_token",
            Self::BadIssueTime => "bad_issue_time",
        }
    }
}

/// What a successful sign-in tells us.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub claims: EidClaims,
}

/// The start of a sign-in: where to send the browser, and what to keep until the callback.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

struct Discovered {
    client: OidcClient,
    end_session: Option<EndSessionUrl>,
    at: Instant,
}

/// A relying party for one provider. Provider metadata and keys are discovered on first use and
/// refreshed every 10 minutes (a cache, not state: any instance rediscovers on its own).
pub struct RelyingParty {
    kind: Kind,
    config: ProviderConfig,
    redirect_uri: String,
    http: Http,
    discovered: RwLock<Option<Arc<Discovered>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("response could not be built: {0}")]
    Build(#[from] http::Error),
}

/// The `openidconnect` HTTP client trait over our reqwest version.
async fn send(
    client: &reqwest::Client,
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = req.into_parts();
    let res = client.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
    let mut out = http::Response::builder().status(res.status());
    if let Some(h) = out.headers_mut() {
        *h = res.headers().clone();
    }
    Ok(out.body(res.bytes().await?.to_vec())?)
}

/// The HTTP client handed to `openidconnect`: a named type with a boxed `Send` future, so the handlers
/// that sign people in stay `Send` (a closure here trips the compiler's higher-ranked `Send` check).
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

const DISCOVERY_TTL: Duration = Duration::from_secs(600);

impl RelyingParty {
    pub fn new(kind: Kind, config: ProviderConfig, redirect_uri: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self { kind, config, redirect_uri, http: Http(http), discovered: RwLock::new(None) })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    async fn discovered(&self) -> Result<Arc<Discovered>, SignInError> {
        if let Some(d) = self.discovered.read().await.as_ref()
            && d.at.elapsed() < DISCOVERY_TTL
        {
            return Ok(d.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|_| SignInError::ProviderUnavailable)?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(provider = self.kind.as_str(), error = %e, "OIDC discovery failed");
            SignInError::ProviderUnavailable
        })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let redirect = RedirectUrl::new(self.redirect_uri.clone()).map_err(|_| SignInError::ProviderUnavailable)?;
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.expose().to_owned())),
        )
        .set_redirect_uri(redirect);
        let d = Arc::new(Discovered { client, end_session, at: Instant::now() });
        *self.discovered.write().await = Some(d.clone());
        Ok(d)
    }

    /// Builds the authorization request (PKCE S256, fresh `state` and `nonce`).
    pub async fn start(&self, login_hint: Option<&str>) -> Result<Started, SignInError> {
        let d = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = d
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if self.kind == Kind::Citizen {
            req = req.add_extra_param("acr_values", "LoA1");
        }
        if let Some(hint) = login_hint {
            req = req.add_extra_param("login_hint", hint.to_owned());
        }
        let (url, state, nonce) = req.url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Completes the flow: checks `iss` (when sent), exchanges the code with the PKCE verifier, and
    /// verifies the ID token (keys, RS256/ES256 only, iss, aud, exp, iat, nonce).
    pub async fn finish(
        &self,
        code: &str,
        iss_param: Option<&str>,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, SignInError> {
        let d = self.discovered().await?;
        // RFC 9207 §2.4: simple string comparison with the issuer we asked.
        if let Some(iss) = iss_param
            && iss != self.config.issuer
        {
            return Err(SignInError::WrongIssuerParameter);
        }
        let token = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| SignInError::ExchangeFailed)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = self.kind.as_str(), error = %e, "code exchange failed");
                SignInError::ExchangeFailed
            })?;
        let id_token = token.id_token().ok_or(SignInError::NoIdToken)?.clone();
        let nonce = Nonce::new(nonce.to_owned());
        let verify = |client: &OidcClient| {
            let verifier = client.id_token_verifier().set_allowed_algs([
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            ]);
            id_token.claims(&verifier, &nonce).cloned().map_err(|e| {
                use openidconnect::ClaimsVerificationError as E;
                SignInError::InvalidIdToken(match e {
                    E::InvalidNonce(_) => "nonce",
                    E::InvalidIssuer(_) => "issuer",
                    E::InvalidAudience(_) => "audience",
                    E::Expired(_) => "expired",
                    E::SignatureVerification(_) => "signature",
                    E::Unsupported(_) => "unsupported",
                    _ => "other",
                })
            })
        };
        let claims = match verify(&d.client) {
            // The provider may have rotated its keys since we cached them: rediscover once and try again.
            Err(SignInError::InvalidIdToken("signature")) => {
                *self.discovered.write().await = None;
                verify(&self.discovered().await?.client)?
            }
            other => other?,
        };
        let now = chrono_free_now();
        let iat = claims.issue_time().timestamp();
        if iat > now + 60 || iat < now - 600 {
            return Err(SignInError::BadIssueTime);
        }
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            claims: claims.additional_claims().clone(),
        })
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout), if it supports it.
    pub async fn end_session_url(&self, post_logout_redirect: &str) -> Option<String> {
        let d = self.discovered().await.ok()?;
        let end = d.end_session.clone()?;
        let mut req = LogoutRequest::from(end).set_client_id(ClientId::new(self.config.client_id.clone()));
        if let Ok(uri) = PostLogoutRedirectUrl::new(post_logout_redirect.to_owned()) {
            req = req.set_post_logout_redirect_uri(uri);
        }
        Some(req.http_get_url().to_string())
    }
}

fn chrono_free_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

// Keep the otherwise unused generic parameter documented in one place.
#[allow(dead_code)]
type LogoutMetadata = LogoutProviderMetadata<EmptyAdditionalProviderMetadata>;
