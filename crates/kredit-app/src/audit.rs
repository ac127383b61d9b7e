//! Building audit entries. Snapshots are JSON with personal fields already
//! masked: the audit log is read by staff and must not become a copy of the
//! personal data the rest of the system encrypts.

use kredit_store::{AuditEntry, UserId};
use serde_json::Value;

pub struct Audit<'a> {
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
}

impl Audit<'_> {
    pub fn entry(self, before: Option<Value>, after: Option<Value>) -> AuditEntry {
        AuditEntry {
            actor_id: self.actor,
            action: self.action.to_owned(),
            entity_type: self.entity_type.to_owned(),
            entity_id: self.entity_id,
            before: before.map(|value| value.to_string()),
            after: after.map(|value| value.to_string()),
            at: kredit_store::now(),
        }
    }
}
