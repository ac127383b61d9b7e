//! Witnessing (docs/transparency-log.md, "Witnesses"): after the
//! sequencer signs a checkpoint, a witnessing round submits it to every
//! configured witness (C2SP tlog-witness `add-checkpoint`) with the
//! consistency proof from the size that witness holds, verifies each
//! cosignature with the witness's key, adds the valid ones to the stored
//! note, and publishes the checkpoint once a quorum of them is in. What a
//! witness holds is learned from its answers (its cosignature, or the size
//! a 409 names) and kept in the database, so a restart or another instance
//! starts from it.
//!
//! Rounds run apart from sequencing (their own lease and loop), so a slow
//! or dead witness delays only publishing. A witness that holds a larger
//! tree than the log, or another tree of the same size, or refuses the
//! consistency proof, is reported as a rollback or fork (status, metric,
//! error log) — never retried into silence.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_store::Repository;
use kredit_store::tlog::CheckpointRecord;
use kredit_store::tlog_witness::WitnessRecord;
use kredit_tlog::{AddCheckpoint, CosignatureVerifier};
use serde::Serialize;

use super::LogSettings;
use super::tiles::TileHashes;
use crate::lease::{self, run_leased};
use crate::{App, AppError, AppResult};

/// The lease a witnessing round runs under.
pub const WITNESS_LEASE: &str = "tlog-witness";

/// A witness the log submits its checkpoints to.
#[derive(Debug, Clone)]
pub struct WitnessPeer {
    pub verifier: CosignatureVerifier,
    /// Its submission prefix: requests go to `<url>/add-checkpoint`.
    pub url: String,
}

/// The configured witnesses and how many must cosign before a checkpoint
/// is published.
pub struct Witnesses {
    pub peers: Vec<WitnessPeer>,
    /// 1 to `peers.len()`.
    pub quorum: usize,
    pub client: Arc<dyn WitnessClient>,
}

/// A witness's HTTP answer, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessReply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// The port to the witnesses: POSTs an `add-checkpoint` body to
/// `<url>/add-checkpoint`, within a timeout. `Err` is a transport failure
/// (unreachable, timed out), described.
#[async_trait]
pub trait WitnessClient: Send + Sync {
    async fn add_checkpoint(&self, url: &str, body: String) -> Result<WitnessReply, String>;
}

/// Why a witness did not cosign the newest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// Unreachable, timed out, or an answer outside the protocol.
    Unavailable(String),
    /// The witness proves the log misbehaved: it cosigned a larger tree,
    /// another tree of the same size, or one the log's tree does not
    /// extend.
    Misbehaviour(String),
}

impl Refusal {
    fn describe(&self) -> String {
        match self {
            Refusal::Unavailable(why) => format!("unavailable: {why}"),
            Refusal::Misbehaviour(why) => format!("rollback or fork: {why}"),
        }
    }
}

/// One witness's part of a round.
struct Submission {
    /// The size the witness holds now, as far as the log learned.
    size: i64,
    outcome: Result<Vec<String>, Refusal>,
}

/// A round: submits the newest checkpoint to the witnesses that have not
/// cosigned it, stores the valid cosignatures and publishes it on a quorum.
/// Without witnesses configured, does nothing (the log-signed checkpoint
/// is the published one).
pub async fn witness(app: &App, log: &LogSettings) -> AppResult<()> {
    let Some(witnesses) = &log.witnesses else {
        return Ok(());
    };
    let round = witness_round(app, witnesses);
    run_leased(app, WITNESS_LEASE, &app.instance, lease::round(), round)
        .await
        .map(drop)
}

async fn witness_round(app: &App, witnesses: &Witnesses) -> AppResult<()> {
    let store = app.repository.log();
    let Some(latest) = store.latest_checkpoint().await? else {
        return Ok(());
    };
    let held: HashMap<String, WitnessRecord> = app
        .repository
        .witnesses()
        .witnesses()
        .await?
        .into_iter()
        .map(|record| (record.witness.clone(), record))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for (position, peer) in witnesses.peers.iter().enumerate() {
        if peer.verifier.verify(&latest.note).is_ok() {
            continue;
        }
        let size = held
            .get(&peer.verifier.vkey())
            .map_or(0, |record| record.size);
        let (repository, client, peer, latest) = (
            app.repository.clone(),
            witnesses.client.clone(),
            peer.clone(),
            latest.clone(),
        );
        tasks.spawn(async move {
            let submission = submit(repository, client.as_ref(), &peer, &latest, size).await;
            (position, submission)
        });
    }
    let mut lines = Vec::new();
    let now = app.time.clock.now();
    while let Some(joined) = tasks.join_next().await {
        let (position, submission) = joined.map_err(AppError::internal)?;
        let submission = submission?;
        let peer = &witnesses.peers[position];
        let key = peer.verifier.vkey();
        let previous = held.get(&key);
        let record = match submission.outcome {
            Ok(cosignature) => {
                lines.extend(cosignature);
                WitnessRecord {
                    witness: key,
                    size: latest.size,
                    cosigned_size: Some(latest.size),
                    last_error: None,
                    updated_at: now,
                }
            }
            Err(refusal) => {
                // Once per change: a witness that stays down is in the
                // status and the metrics, not in two log lines a second.
                let error = refusal.describe();
                if previous.and_then(|record| record.last_error.as_deref()) != Some(error.as_str())
                {
                    report(peer, &refusal);
                }
                WitnessRecord {
                    witness: key,
                    size: submission.size,
                    cosigned_size: previous.and_then(|record| record.cosigned_size),
                    last_error: Some(error),
                    updated_at: now,
                }
            }
        };
        set_witness_metrics(peer, &record);
        app.repository.witnesses().save_witness(&record).await?;
    }
    let note = if lines.is_empty() {
        latest.note.clone()
    } else {
        let note = kredit_tlog::add_signatures(&latest.note, &lines).map_err(AppError::internal)?;
        store.update_checkpoint_note(latest.size, &note).await?;
        note
    };
    let cosigned = witnesses
        .peers
        .iter()
        .filter(|peer| peer.verifier.verify(&note).is_ok())
        .count();
    if cosigned >= witnesses.quorum {
        app.repository
            .witnesses()
            .publish_checkpoint(latest.size, now)
            .await?;
        metrics::gauge!("kredit_log_published_size").set(latest.size as f64);
        metrics::gauge!("kredit_log_witness_pending_size").set(0.0);
    } else {
        metrics::gauge!("kredit_log_witness_pending_size").set(latest.size as f64);
        tracing::warn!(
            size = latest.size,
            cosigned,
            quorum = witnesses.quorum,
            "the newest checkpoint waits for its witness quorum"
        );
    }
    Ok(())
}

fn report(peer: &WitnessPeer, refusal: &Refusal) {
    match refusal {
        Refusal::Unavailable(why) => {
            tracing::warn!(witness = peer.verifier.name(), url = %peer.url, %why, "witness unavailable");
        }
        Refusal::Misbehaviour(why) => {
            tracing::error!(witness = peer.verifier.name(), url = %peer.url, %why,
                "a witness refused the log's tree: rollback or fork");
        }
    }
}

fn set_witness_metrics(peer: &WitnessPeer, record: &WitnessRecord) {
    let name = peer.verifier.name().to_owned();
    let up = record.last_error.is_none();
    let misbehaviour = record
        .last_error
        .as_deref()
        .is_some_and(|error| error.starts_with("rollback or fork"));
    metrics::gauge!("kredit_log_witness_up", "witness" => name.clone())
        .set(f64::from(u8::from(up)));
    metrics::gauge!("kredit_log_witness_conflict", "witness" => name.clone())
        .set(f64::from(u8::from(misbehaviour)));
    metrics::gauge!("kredit_log_witness_cosigned_size", "witness" => name)
        .set(record.cosigned_size.unwrap_or(0) as f64);
}

/// Submits `latest` to one witness from the size it holds, and once more
/// from the size its 409 names if it holds another.
async fn submit(
    repository: Arc<dyn Repository>,
    client: &dyn WitnessClient,
    peer: &WitnessPeer,
    latest: &CheckpointRecord,
    held: i64,
) -> AppResult<Submission> {
    // A size above the log's tree cannot be proven from: ask again from
    // zero, so a witness that has since forgotten is not taken for a rollback.
    let mut old = if held > latest.size { 0 } else { held };
    for _ in 0..2 {
        let consistency = if old == 0 {
            Vec::new()
        } else {
            TileHashes::default()
                .run(repository.log(), |source| {
                    kredit_tlog::prove_consistency(latest.size as u64, old as u64, source)
                })
                .await?
        };
        let body = AddCheckpoint {
            old_size: old as u64,
            consistency,
            checkpoint_note: latest.note.clone(),
        }
        .to_body();
        let reply = match client.add_checkpoint(&peer.url, body).await {
            Ok(reply) => reply,
            Err(why) => {
                return Ok(Submission {
                    size: held,
                    outcome: Err(Refusal::Unavailable(why)),
                });
            }
        };
        match interpret(peer, latest, old, &reply) {
            Answer::Cosigned(lines) => {
                return Ok(Submission {
                    size: latest.size,
                    outcome: Ok(lines),
                });
            }
            Answer::Holds(size) if size != old && size <= latest.size => old = size,
            Answer::Holds(size) => {
                let outcome = Err(if size > latest.size {
                    Refusal::Misbehaviour(format!(
                        "the witness cosigned a tree of {size} entries, the log holds {}",
                        latest.size
                    ))
                } else {
                    Refusal::Unavailable(format!("the witness keeps answering 409 with {size}"))
                });
                return Ok(Submission { size, outcome });
            }
            Answer::Refused(refusal) => {
                return Ok(Submission {
                    size: old,
                    outcome: Err(refusal),
                });
            }
        }
    }
    Ok(Submission {
        size: old,
        outcome: Err(Refusal::Unavailable(
            "the witness's size changed between two requests".into(),
        )),
    })
}

enum Answer {
    /// The witness's valid cosignature lines.
    Cosigned(Vec<String>),
    /// 409 `text/x.tlog.size`: the size it holds.
    Holds(i64),
    Refused(Refusal),
}

fn interpret(
    peer: &WitnessPeer,
    latest: &CheckpointRecord,
    old: i64,
    reply: &WitnessReply,
) -> Answer {
    let detail = reply.body.trim();
    match reply.status {
        200 => {
            // Only this witness's lines count (the spec: ignore unknown
            // keys), and only if they verify.
            let prefix = format!("— {} ", peer.verifier.name());
            let lines: Vec<String> = reply
                .body
                .lines()
                .filter(|line| line.starts_with(&prefix))
                .map(|line| format!("{line}\n"))
                .collect();
            let verified = kredit_tlog::add_signatures(&latest.note, &lines)
                .map_err(|error| error.to_string())
                .and_then(|note| {
                    peer.verifier
                        .verify(&note)
                        .map_err(|error| error.to_string())
                });
            match verified {
                Ok(_) => Answer::Cosigned(lines),
                Err(error) => Answer::Refused(Refusal::Unavailable(format!(
                    "its cosignature does not verify: {error}"
                ))),
            }
        }
        409 if reply
            .content_type
            .as_deref()
            .is_some_and(|kind| kind.starts_with("text/x.tlog.size")) =>
        {
            match detail.parse::<i64>() {
                Ok(size) if size >= 0 => Answer::Holds(size),
                _ => Answer::Refused(Refusal::Unavailable(format!(
                    "409 with a size that is not one: {detail:?}"
                ))),
            }
        }
        409 => Answer::Refused(Refusal::Misbehaviour(format!(
            "the witness holds another tree of {} entries ({detail})",
            latest.size
        ))),
        422 => Answer::Refused(Refusal::Misbehaviour(format!(
            "the witness refused the consistency proof from {old} to {} ({detail})",
            latest.size
        ))),
        status => Answer::Refused(Refusal::Unavailable(format!("HTTP {status}: {detail}"))),
    }
}

/// The checkpoint the log publishes: the newest that reached its witness
/// quorum, or with no witnesses configured the newest signed.
pub async fn published_checkpoint(app: &App) -> AppResult<Option<CheckpointRecord>> {
    let witnessed = app.log.as_ref().is_some_and(|log| log.witnesses.is_some());
    Ok(if witnessed {
        app.repository
            .witnesses()
            .latest_published_checkpoint()
            .await?
    } else {
        app.repository.log().latest_checkpoint().await?
    })
}

/// What staff see of the log's witnessing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct LogStatus {
    pub origin: String,
    /// The newest checkpoint the log signed.
    pub signed_size: u64,
    /// The newest checkpoint published (with its quorum of cosignatures).
    pub published_size: u64,
    /// Cosignatures a checkpoint needs to be published (0: no witnesses).
    pub quorum: usize,
    pub witnesses: Vec<WitnessStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct WitnessStatus {
    pub name: String,
    /// Its verifier key.
    pub key: String,
    pub url: String,
    /// The size it holds for this log, as last learned.
    pub size: u64,
    /// The largest checkpoint it cosigned.
    pub cosigned_size: Option<u64>,
    /// Whether the newest signed checkpoint carries its cosignature.
    pub cosigned_latest: bool,
    /// Why the last submission failed (`unavailable: …`, or `rollback or
    /// fork: …` when the witness proves the log misbehaved); `None` after
    /// a success.
    pub last_error: Option<String>,
    /// When the log last heard of it.
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn status(app: &App, log: &LogSettings) -> AppResult<LogStatus> {
    let latest = app.repository.log().latest_checkpoint().await?;
    let published = published_checkpoint(app).await?;
    let held: HashMap<String, WitnessRecord> = app
        .repository
        .witnesses()
        .witnesses()
        .await?
        .into_iter()
        .map(|record| (record.witness.clone(), record))
        .collect();
    let (peers, quorum) = log
        .witnesses
        .as_ref()
        .map_or((&[][..], 0), |w| (w.peers.as_slice(), w.quorum));
    let witnesses = peers
        .iter()
        .map(|peer| {
            let key = peer.verifier.vkey();
            let record = held.get(&key);
            WitnessStatus {
                name: peer.verifier.name().to_owned(),
                url: peer.url.clone(),
                size: record.map_or(0, |r| r.size as u64),
                cosigned_size: record.and_then(|r| r.cosigned_size).map(|s| s as u64),
                cosigned_latest: latest
                    .as_ref()
                    .is_some_and(|c| peer.verifier.verify(&c.note).is_ok()),
                last_error: record.and_then(|r| r.last_error.clone()),
                updated_at: record.map(|r| r.updated_at),
                key,
            }
        })
        .collect();
    Ok(LogStatus {
        origin: log.origin().to_owned(),
        signed_size: latest.map_or(0, |c| c.size as u64),
        published_size: published.map_or(0, |c| c.size as u64),
        quorum,
        witnesses,
    })
}

#[cfg(test)]
mod tests {
    use kredit_tlog::{Checkpoint, CosignatureSigner, NoteSigner};

    use super::*;

    /// A signed checkpoint of `size` and its text.
    fn latest(size: i64) -> (CheckpointRecord, String) {
        let log = NoteSigner::from_seed("lender.example/log", [1; 32]).unwrap();
        let text = Checkpoint {
            origin: "lender.example/log".into(),
            size: size as u64,
            root: kredit_tlog::leaf_hash(b"root"),
            extensions: Vec::new(),
        }
        .to_text();
        let record = CheckpointRecord {
            size,
            root: Vec::new(),
            note: kredit_tlog::sign_note(&text, &[&log]).unwrap(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        (record, text)
    }

    fn reply(status: u16, content_type: &str, body: &str) -> WitnessReply {
        WitnessReply {
            status,
            content_type: Some(content_type.to_owned()),
            body: body.to_owned(),
        }
    }

    #[test]
    fn what_a_witness_answer_means() {
        let witness = CosignatureSigner::from_seed("witness.example/w1", [2; 32]).unwrap();
        let other = CosignatureSigner::from_seed("witness.example/w2", [3; 32]).unwrap();
        let peer = WitnessPeer {
            verifier: witness.verifier(),
            url: "http://w1".into(),
        };
        let (latest, text) = latest(10);
        let line = witness.cosign(&text, 1_700_000_000).unwrap();
        let foreign = other.cosign(&text, 1_700_000_000).unwrap();

        // 200: this witness's valid line kept, another key's ignored.
        let body = format!("{foreign}{line}");
        match interpret(&peer, &latest, 4, &reply(200, "text/plain", &body)) {
            Answer::Cosigned(lines) => assert_eq!(lines, std::slice::from_ref(&line)),
            _ => panic!("a valid cosignature"),
        }
        // 200 with only another key's line, or a forged one: not cosigned.
        for body in [
            foreign.clone(),
            line.replace("— witness.example/w1 ", "— witness.example/w1 AAAA"),
        ] {
            assert!(matches!(
                interpret(&peer, &latest, 4, &reply(200, "text/plain", &body)),
                Answer::Refused(Refusal::Unavailable(_))
            ));
        }
        // 409 with its size: what it holds; without: another tree.
        assert!(matches!(
            interpret(&peer, &latest, 0, &reply(409, "text/x.tlog.size", "7\n")),
            Answer::Holds(7)
        ));
        assert!(matches!(
            interpret(
                &peer,
                &latest,
                0,
                &reply(409, "text/x.tlog.size", "seven\n")
            ),
            Answer::Refused(Refusal::Unavailable(_))
        ));
        assert!(matches!(
            interpret(&peer, &latest, 10, &reply(409, "text/plain", "fork\n")),
            Answer::Refused(Refusal::Misbehaviour(_))
        ));
        // 422: the log's tree does not extend what the witness saw.
        assert!(matches!(
            interpret(&peer, &latest, 4, &reply(422, "text/plain", "no\n")),
            Answer::Refused(Refusal::Misbehaviour(_))
        ));
        // Anything else is the witness's trouble, not the log's.
        for status in [400, 403, 404, 500, 503] {
            assert!(matches!(
                interpret(&peer, &latest, 4, &reply(status, "text/plain", "")),
                Answer::Refused(Refusal::Unavailable(_))
            ));
        }
    }
}
