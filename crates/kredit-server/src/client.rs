//! The client's address, as far as it can be trusted.
//!
//! By default the TCP peer's address. A proxy's `X-Forwarded-For` (or, when
//! that is absent, `Forwarded: for=`) is believed only when the peer is one
//! of the configured trusted proxies (`KREDIT_TRUSTED_PROXIES`), and then
//! the chain is walked from the right: the first hop that is not itself a
//! trusted proxy is the client. A hop that is not an IP address (`<script>`,
//! `unknown`, an obfuscated name) ends the walk, so the answer is always an
//! IP address some trusted party saw, never text a client wrote.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use tracing::Instrument as _;

use crate::state::SharedState;

/// Peers whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated IPs or CIDRs; empty trusts no one.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer` given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded_chain(headers).iter().rev() {
            match parse_hop(hop) {
                Some(address) => {
                    client = address;
                    if !self.trusts(address) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// The hops a proxy reported, leftmost (claimed origin) first.
fn forwarded_chain(headers: &HeaderMap) -> Vec<String> {
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|hop| hop.trim().to_owned())
            .collect::<Vec<_>>()
    };
    let forwarded_for = values("x-forwarded-for");
    if !forwarded_for.is_empty() {
        return forwarded_for;
    }
    values("forwarded")
        .into_iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim().to_owned())
            })
        })
        .collect()
}

/// An IP address from `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
/// `"[2001:db8::1]:4711"`; `None` for anything else.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Ok(socket) = hop.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    let bracketed = hop.strip_prefix('[')?.split(']').next()?;
    bracketed.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// The trusted client address of the request (`unknown` only when the
/// server was not given the peer's address, which `kredit serve` always is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(address) => address.fmt(f),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<ClientAddress>()
            .copied()
            .unwrap_or(ClientAddress(None)))
    }
}

/// Works out the client address once per request: for handlers (the
/// extension), the request's log span and the audit rows it writes.
pub async fn track(State(state): State<SharedState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let client =
        ClientAddress(peer.map(|peer| state.trusted_proxies.client(peer, request.headers())));
    request.extensions_mut().insert(client);
    let span = tracing::info_span!("request", client = %client);
    kredit_store::origin::with_client_address(client.to_string(), next.run(request))
        .instrument(span)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").unwrap();
        let forged = headers(&[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &forged),
            ip("203.0.113.9")
        );
        assert_eq!(proxies.client(ip("192.168.1.5"), &forged), ip("1.1.1.1"));
        // The client prepends a lie; the proxy appends what it saw.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &chain), ip("198.51.100.7"));
        let garbage = headers(&[("x-forwarded-for", "<script>")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &garbage), ip("10.0.0.2"));
        let mixed = headers(&[("x-forwarded-for", "<script>, 10.9.9.9")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &mixed), ip("10.9.9.9"));
        let standard = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &standard), ip("2001:db8::1"));
        let mapped = ip("::ffff:203.0.113.9");
        assert_eq!(
            TrustedProxies::default().client(mapped, &forged),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn proxy_lists_are_checked() {
        assert!(TrustedProxies::parse("").is_ok());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
    }
}
