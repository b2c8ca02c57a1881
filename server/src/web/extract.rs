//! Extractors that authenticate a request from its `Authorization: Bearer` header: a user
//! ([`CurrentUser`], wrapping the [`Actor`] the rules take) or a screen ([`CurrentScreen`]);
//! and who is really calling: the client's address and whether it came over HTTPS, believing
//! `X-Forwarded-For` and `X-Forwarded-Proto` only from the reverse proxies named in
//! `--trusted-proxies` ([`TrustedProxies`]). actix's `connection_info()` believes them from
//! anyone, so it is not used for either.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use crate::core::accounts;
use crate::core::actor::Actor;
use crate::core::auth::token;
use crate::core::places::screens;
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

/// The signed-in user of a request: an [`Actor`] taken from its bearer token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Actor);

impl std::ops::Deref for CurrentUser {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// The screen whose device token a request came with.
#[derive(Debug, Clone)]
pub struct CurrentScreen {
    pub id: Uuid,
    /// The SHA-256 of its device token, for a long-lived stream to notice when it is revoked.
    pub token_hash: String,
}

fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::Unauthorized(
                "sign in first: send Authorization: Bearer <token> (from POST /api/v1/auth/token)"
                    .into(),
            )
        })?
        .to_str()
        .map_err(|_| {
            AppError::Unauthorized("the Authorization header is not readable text".into())
        })?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| AppError::Unauthorized("use the form Authorization: Bearer <token>".into()))?
        .trim();
    if token.is_empty() || token.len() > 200 {
        return Err(AppError::Unauthorized(
            "the bearer token is malformed".into(),
        ));
    }
    Ok(token.to_owned())
}

/// The user a (bearer or session) token belongs to, unless it is unknown or expired.
pub async fn user_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let token_hash = token::hash(token);
    let found = db::run(&state.pool, move |conn| {
        accounts::actor_for_token_hash(conn, token_hash)
    })
    .await?;
    Ok(found.map(CurrentUser))
}

/// One address or range (CIDR) of reverse proxies whose forwarded headers are believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    network: IpAddr,
    prefix: u8,
}

impl Range {
    fn parse(text: &str) -> Result<Range, String> {
        let refused = || {
            format!(
                "'{text}' is not an IP address or CIDR range such as 10.0.0.5, 10.0.0.0/24 or fd00::/8"
            )
        };
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| refused())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| refused())?,
            None => bits,
        };
        if prefix > bits {
            return Err(refused());
        }
        Ok(Range { network, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// The reverse proxies (`--trusted-proxies`) whose `X-Forwarded-For` and `X-Forwarded-Proto`
/// are believed; by default none, so that no client can choose its own address or scheme.
/// Registered as app data at start; a request without it trusts no one.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Range>);

impl TrustedProxies {
    /// Reads the setting's addresses and ranges; the message names the one that is wrong.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .map(Range::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client behind `peer`: when `peer` is a trusted proxy, the rightmost address of
    /// `forwarded_for` (the hops in order, as proxies append them) that is not itself a trusted
    /// proxy; addresses to its left were written by whoever sent the request and prove nothing.
    fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .rev()
        {
            let hop = hop.trim();
            // A port (1.2.3.4:5678, [::1]:5678) may follow the address.
            let address = hop
                .parse::<IpAddr>()
                .ok()
                .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()));
            let Some(address) = address else {
                return client;
            };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

fn trusted_proxies(req: &HttpRequest) -> Option<&TrustedProxies> {
    req.app_data::<web::Data<TrustedProxies>>()
        .map(|data| data.get_ref())
}

/// The caller's address, which the login throttle and the registration limit count by: the TCP
/// peer, or, when the peer is a trusted reverse proxy, the client it names.
pub fn client_address(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    let Some(proxies) = trusted_proxies(req) else {
        return peer.to_string();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    proxies.client(peer, &forwarded).to_string()
}

/// Whether the client reached us over HTTPS: real TLS here, or a trusted reverse proxy saying
/// so in `X-Forwarded-Proto` (its last value, the one the nearest proxy set).
pub fn is_https(req: &HttpRequest) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let from_trusted_proxy = req
        .peer_addr()
        .zip(trusted_proxies(req))
        .is_some_and(|(peer, proxies)| proxies.trusts(peer.ip()));
    from_trusted_proxy
        && req
            .headers()
            .get_all("x-forwarded-proto")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .is_some_and(|scheme| scheme.trim().eq_ignore_ascii_case("https"))
}

pub(crate) fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state is missing")))
}

type ExtractFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = ExtractFuture<CurrentUser>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            let token = token?;
            if token.starts_with(token::SCREEN_PREFIX) {
                return Err(AppError::Forbidden(
                    "a screen token cannot be used for user routes".into(),
                ));
            }
            user_for_token(&*state?, &token).await?.ok_or_else(|| {
                AppError::Unauthorized("the token is unknown or has expired; sign in again".into())
            })
        })
    }
}

impl FromRequest for CurrentScreen {
    type Error = AppError;
    type Future = ExtractFuture<CurrentScreen>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            let token = token?;
            if !token.starts_with(token::SCREEN_PREFIX) {
                return Err(AppError::Forbidden(
                    "this route is for screens: use the screen's device token".into(),
                ));
            }
            let token_hash = token::hash(&token);
            let state = state?;
            if let Some(id) = state.device_cache.screen_for(&token_hash) {
                return Ok(CurrentScreen { id, token_hash });
            }
            let ticket = state.device_cache.ticket();
            let lookup_hash = token_hash.clone();
            let (screen_id, building_id) = db::run(&state.pool, move |conn| {
                screens::screen_for_token_hash(conn, &lookup_hash)
            })
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("the screen token is unknown or revoked".into())
            })?;
            let id = db::models::stored_id(&screen_id);
            state
                .device_cache
                .remember_screen(ticket, token_hash.clone(), id, building_id);
            Ok(CurrentScreen { id, token_hash })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_contain() {
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".into(), " 192.0.2.1 ".into(), "fd00::/8".into()])
                .unwrap();
        assert!(proxies.trusts(ip("10.20.30.40")));
        assert!(proxies.trusts(ip("192.0.2.1")));
        assert!(!proxies.trusts(ip("192.0.2.2")));
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(proxies.trusts(ip("::ffff:10.1.1.1")));
        assert!(!proxies.trusts(ip("11.0.0.1")));
        assert!(
            TrustedProxies::parse(&["0.0.0.0/0".into()])
                .unwrap()
                .trusts(ip("8.8.8.8"))
        );
        for wrong in ["10.0.0.0/33", "proxy.example", "10.0.0/8", "::/129"] {
            assert!(TrustedProxies::parse(&[wrong.into()]).is_err(), "{wrong}");
        }
        assert!(TrustedProxies::parse(&[]).unwrap().0.is_empty());
    }

    #[test]
    fn the_forwarded_client_is_believed_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        // From anyone else the header is ignored.
        assert_eq!(
            proxies.client(ip("192.0.2.9"), &["203.0.113.5"]),
            ip("192.0.2.9")
        );
        // The rightmost hop that is no proxy of ours; what the client wrote further left is not.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["1.1.1.1, 203.0.113.5, 10.0.0.3"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["1.1.1.1", "203.0.113.5:4431"]),
            ip("203.0.113.5")
        );
        assert_eq!(proxies.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["garbage"]),
            ip("127.0.0.1")
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["10.0.0.4"]),
            ip("10.0.0.4")
        );
    }
}
