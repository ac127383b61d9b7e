//! The log's witnesses from configuration, and the HTTP adapter of
//! `kredit_app::tlog::witnessing::WitnessClient`.
//!
//! `KREDIT_LOG_WITNESSES` lists them, comma-separated, each as its
//! verifier key and its submission URL separated by a space:
//! `witness.example/w1+1a2b3c4d+AQ… https://w1.example/, …`.
//! `KREDIT_LOG_WITNESS_QUORUM` is how many must cosign a checkpoint
//! before it is published (default: all of them).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kredit_app::tlog::witnessing::{WitnessClient, WitnessPeer, WitnessReply, Witnesses};
use kredit_tlog::CosignatureVerifier;

use crate::config::Config;

/// Parses the `log_witnesses` list.
pub fn parse_witnesses(list: &str) -> Result<Vec<WitnessPeer>, String> {
    let mut peers: Vec<WitnessPeer> = Vec::new();
    for item in list
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (key, url) = item
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{item:?} is not `<verifier key> <url>`"))?;
        let verifier = CosignatureVerifier::from_vkey(key.trim())
            .map_err(|error| format!("{key:?} is not a witness verifier key: {error}"))?;
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url:?} is not an http(s) URL"));
        }
        if peers.iter().any(|peer| peer.verifier == verifier) {
            return Err(format!("{key:?} is listed twice"));
        }
        peers.push(WitnessPeer {
            verifier,
            url: url.trim_end_matches('/').to_owned(),
        });
    }
    Ok(peers)
}

/// The configured witnesses with their HTTP client; `None` without any.
pub fn witnesses(config: &Config) -> anyhow::Result<Option<Witnesses>> {
    let peers = parse_witnesses(config.log_witnesses.as_deref().unwrap_or_default())
        .map_err(|problem| anyhow::anyhow!("log_witnesses: {problem}"))?;
    if peers.is_empty() {
        if config.log_witness_quorum.is_some_and(|quorum| quorum > 0) {
            anyhow::bail!("log_witness_quorum is set but log_witnesses lists none");
        }
        return Ok(None);
    }
    let quorum = config.log_witness_quorum.unwrap_or(peers.len());
    if quorum < 1 || quorum > peers.len() {
        anyhow::bail!(
            "log_witness_quorum must be between 1 and the {} witnesses listed",
            peers.len()
        );
    }
    Ok(Some(Witnesses {
        peers,
        quorum,
        client: Arc::new(HttpWitnessClient::new(Duration::from_millis(
            config.log_witness_timeout_ms,
        ))?),
    }))
}

/// `POST <url>/add-checkpoint` over reqwest, each call within the timeout.
pub struct HttpWitnessClient {
    client: reqwest::Client,
}

impl HttpWitnessClient {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .build()?,
        })
    }
}

#[async_trait]
impl WitnessClient for HttpWitnessClient {
    async fn add_checkpoint(&self, url: &str, body: String) -> Result<WitnessReply, String> {
        let response = self
            .client
            .post(format!("{url}/add-checkpoint"))
            .body(body)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.map_err(|error| error.to_string())?;
        Ok(WitnessReply {
            status,
            content_type,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vkey(seed: u8, name: &str) -> String {
        kredit_tlog::CosignatureSigner::from_seed(name, [seed; 32])
            .unwrap()
            .verifier()
            .vkey()
    }

    #[test]
    fn the_witness_list() {
        let (w1, w2) = (vkey(1, "w.example/1"), vkey(2, "w.example/2"));
        let peers = parse_witnesses(&format!(
            " {w1} http://127.0.0.1:9001/ ,{w2}  https://w2.example"
        ))
        .unwrap();
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[0].verifier.vkey(), w1);
        assert_eq!(peers[0].url, "http://127.0.0.1:9001");
        assert_eq!(peers[1].url, "https://w2.example");
        assert!(parse_witnesses("").unwrap().is_empty());
        for bad in [
            w1.clone(),
            format!("{w1} ftp://x"),
            format!("{w1} http://a, {w1} http://b"),
            "not+a+key http://a".to_owned(),
        ] {
            assert!(parse_witnesses(&bad).is_err(), "{bad}");
        }

        let mut config = Config {
            log_witnesses: Some(format!("{w1} http://a, {w2} http://b")),
            ..Config::default()
        };
        assert_eq!(witnesses(&config).unwrap().unwrap().quorum, 2);
        config.log_witness_quorum = Some(1);
        assert_eq!(witnesses(&config).unwrap().unwrap().quorum, 1);
        for quorum in [0, 3] {
            config.log_witness_quorum = Some(quorum);
            assert!(witnesses(&config).is_err());
        }
        config.log_witnesses = None;
        config.log_witness_quorum = None;
        assert!(witnesses(&config).unwrap().is_none());
    }
}
