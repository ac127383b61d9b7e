//! Scoring applications with the registered models (the credit scoring
//! port of origination).
//!
//! [`ModelScorer`] holds the current champion (which decides) and the
//! challenger (scored in its shadow, never deciding), compiled and ready;
//! routes that change a model's status reload it. With no champion it
//! returns `None`, and the caller falls back to the transparent
//! [`kredit_core::decision::RulesScorecard`].
//!
//! Model outputs become the decision engine's vocabulary here: the score as
//! integer points, the PD as an exact [`Rate`], and each adverse feature as
//! a `feature:<name>` reason with the points it cost (negative).

use std::sync::{Arc, RwLock};

use kredit_core::decision::codes::feature_code;
use kredit_core::decision::{Reason, RiskAssessment};
use kredit_core::rate::{RATE_SCALE, Rate};
use kredit_scoring::model::ModelBody;
use kredit_scoring::{Applicant, Model, StabilityReport};
use kredit_store::{
    ApplicationId, AuditEntry, ModelAlert, ModelRegistry, ModelStatus, ModelVersionId,
    ModelVersionInfo, NewModelAlert, NewModelScore, NewModelVersion, ScoreRole, StoreResult,
};
use serde::Serialize;

use crate::{App, AppError, AppResult};

/// A compiled model version.
#[derive(Debug, Clone)]
pub struct ActiveModel {
    pub id: ModelVersionId,
    /// `name vN`, recorded in each assessment.
    pub label: String,
    pub model: Arc<Model>,
}

impl ActiveModel {
    pub fn new(info: &ModelVersionInfo, model: Model) -> Self {
        Self {
            id: info.id,
            label: format!("{} v{}", info.name, info.version),
            model: Arc::new(model),
        }
    }

    /// The assessment of one application by this model.
    pub fn assess(&self, features: &Applicant) -> RiskAssessment {
        let model = &self.model;
        let scored = model.score(features);
        let scaling = model.artefact().scaling;
        // Points per unit of log-odds, to express a GBM's contributions in points.
        let points_per_logit = scaling.pdo / std::f64::consts::LN_2;
        let reasons = scored
            .reasons
            .iter()
            .map(|reason| {
                let lost = match model.artefact().model {
                    ModelBody::Scorecard(_) => reason.contribution,
                    ModelBody::Gbm(_) => reason.contribution * points_per_logit,
                };
                Reason {
                    code: feature_code(&reason.feature),
                    points: Some(-round_to_i32(lost)),
                }
            })
            .collect();
        RiskAssessment {
            score: round_to_i32(scored.score),
            probability_of_default: Some(pd_rate(scored.pd)),
            reasons,
            model: self.label.clone(),
        }
    }
}

fn round_to_i32(x: f64) -> i32 {
    // Scores and points of a valid model are finite and far inside i32.
    x.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

/// A probability as an exact rate (to 10⁻¹⁰).
pub fn pd_rate(pd: f64) -> Rate {
    Rate::from_units((pd.clamp(0.0, 1.0) * RATE_SCALE as f64).round() as i64)
}

/// The challenger's view of an application, recorded but not used to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShadowScore {
    pub model_version_id: ModelVersionId,
    pub assessment: RiskAssessment,
}

/// An application scored by the registered models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoredApplication {
    /// The champion's assessment: this decides.
    pub assessment: RiskAssessment,
    pub champion_version_id: ModelVersionId,
    pub challenger: Option<ShadowScore>,
}

#[derive(Debug, Default)]
struct Active {
    champion: Option<ActiveModel>,
    challenger: Option<ActiveModel>,
}

/// The champion and challenger in service; see the module docs.
#[derive(Debug, Default)]
pub struct ModelScorer {
    active: RwLock<Arc<Active>>,
}

impl ModelScorer {
    /// Replaces the models in service.
    pub fn install(&self, champion: Option<ActiveModel>, challenger: Option<ActiveModel>) {
        let next = Arc::new(Active {
            champion,
            challenger,
        });
        *self
            .active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = next;
    }

    fn current(&self) -> Arc<Active> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Loads the registry's champion and challenger, reusing the compiled
    /// models of versions already in service.
    pub async fn reload<R: ModelRegistry + ?Sized>(&self, registry: &R) -> AppResult<()> {
        // The registry without artefacts first: most reloads change nothing,
        // and an artefact can be megabytes.
        let versions = registry.model_versions().await?;
        let holder = |status| versions.iter().find(|v| v.status == status);
        let wanted = (
            holder(ModelStatus::Champion).map(|v| v.id),
            holder(ModelStatus::Challenger).map(|v| v.id),
        );
        if wanted == self.versions() {
            return Ok(());
        }
        let current = self.current();
        let mut loaded = Vec::with_capacity(2);
        for id in [wanted.0, wanted.1] {
            let Some(id) = id else {
                loaded.push(None);
                continue;
            };
            let in_service = [&current.champion, &current.challenger]
                .into_iter()
                .flatten()
                .find(|active| active.id == id)
                .cloned();
            let active = match in_service {
                Some(active) => active,
                None => {
                    let version = registry
                        .model_version(id)
                        .await?
                        .ok_or_else(|| AppError::internal(format!("model {id} vanished")))?;
                    let model = Model::load(&version.artefact).map_err(AppError::internal)?;
                    ActiveModel::new(&version.info, model)
                }
            };
            loaded.push(Some(active));
        }
        let challenger = loaded.pop().flatten();
        let champion = loaded.pop().flatten();
        tracing::info!(
            champion = champion.as_ref().map(|m| m.label.as_str()),
            challenger = challenger.as_ref().map(|m| m.label.as_str()),
            "models in service"
        );
        self.install(champion, challenger);
        Ok(())
    }

    /// The version ids in service: (champion, challenger).
    pub fn versions(&self) -> (Option<ModelVersionId>, Option<ModelVersionId>) {
        let current = self.current();
        (
            current.champion.as_ref().map(|m| m.id),
            current.challenger.as_ref().map(|m| m.id),
        )
    }

    /// Whether a trained model decides (else the rules scorecard does).
    pub fn has_champion(&self) -> bool {
        self.current().champion.is_some()
    }

    /// Scores an application with the champion (and the challenger in its
    /// shadow); `None` without a champion: use the rules scorecard.
    pub fn assess(&self, features: &Applicant) -> Option<ScoredApplication> {
        let current = self.current();
        let champion = current.champion.as_ref()?;
        Some(ScoredApplication {
            assessment: champion.assess(features),
            champion_version_id: champion.id,
            challenger: current.challenger.as_ref().map(|challenger| ShadowScore {
                model_version_id: challenger.id,
                assessment: challenger.assess(features),
            }),
        })
    }
}

/// What the models said about one application, as rows of `model_scores`:
/// the champion's score and the challenger's, each with the model inputs
/// (for monitoring and audit).
pub fn score_records(
    application_id: ApplicationId,
    scored: &ScoredApplication,
    features: &Applicant,
) -> AppResult<Vec<NewModelScore>> {
    let features = serde_json::to_string(features).map_err(AppError::internal)?;
    let at = kredit_store::now();
    let record = |model_version_id, role, assessment: &RiskAssessment| {
        Ok::<_, AppError>(NewModelScore {
            application_id,
            model_version_id,
            role,
            score: assessment.score,
            pd_units: assessment.probability_of_default.map_or(0, |pd| pd.units()),
            reasons: serde_json::to_string(&assessment.reasons).map_err(AppError::internal)?,
            features: features.clone(),
            scored_at: at,
        })
    };
    let mut records = vec![record(
        scored.champion_version_id,
        ScoreRole::Champion,
        &scored.assessment,
    )?];
    if let Some(shadow) = &scored.challenger {
        records.push(record(
            shadow.model_version_id,
            ScoreRole::Challenger,
            &shadow.assessment,
        )?);
    }
    Ok(records)
}

/// Registers a validated model as a draft, audited as `model.upload`.
pub async fn register<R: ModelRegistry + ?Sized>(
    registry: &R,
    name: &str,
    model: &Model,
    actor: Option<kredit_store::UserId>,
) -> StoreResult<ModelVersionInfo> {
    let metrics = serde_json::to_string(&model.artefact().training.validation)
        .expect("validation metrics are finite numbers");
    let new = NewModelVersion {
        name: name.to_owned(),
        kind: model.kind().to_string(),
        artefact: model.to_json(),
        metrics: metrics.clone(),
        uploaded_by: actor,
        created_at: kredit_store::now(),
    };
    let audit = crate::audit::Audit {
        actor,
        action: "model.upload",
        entity_type: "model_version",
        entity_id: None,
    }
    .entry(
        None,
        Some(serde_json::json!({
            "name": name,
            "kind": new.kind,
            "features": model.features().len(),
            "validation": model.artefact().training.validation,
        })),
    );
    registry.insert_model_version(&new, audit).await
}

/// The audit entry of a status change; the registry fills in the states.
pub fn status_audit(actor: Option<kredit_store::UserId>, to: ModelStatus) -> AuditEntry {
    let action = match to {
        ModelStatus::Champion => "model.activate",
        ModelStatus::Challenger => "model.challenger",
        ModelStatus::Retired => "model.retire",
        ModelStatus::Draft => "model.draft",
    };
    crate::audit::Audit {
        actor,
        action,
        entity_type: "model_version",
        entity_id: None,
    }
    .entry(None, None)
}

/// How many of a version's most recent scores monitoring looks at.
pub const MONITORING_WINDOW: i64 = 10_000;

/// Stability of a model version over its recorded live scores.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    #[cfg_attr(feature = "utoipa", schema(value_type = i64))]
    pub model_version_id: ModelVersionId,
    /// The stability report: `score` and `features` PSI, `alerts`.
    pub stability: StabilityReport,
    /// Alerts raised on this version so far (one per metric, updated).
    pub alerts: Vec<AlertView>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    pub metric: String,
    pub psi: f64,
    pub threshold: f64,
    pub applications: i64,
    pub first_raised_at: chrono::DateTime<chrono::Utc>,
    pub last_raised_at: chrono::DateTime<chrono::Utc>,
}

impl From<ModelAlert> for AlertView {
    fn from(alert: ModelAlert) -> Self {
        Self {
            metric: alert.metric,
            psi: alert.psi,
            threshold: alert.threshold,
            applications: alert.applications,
            first_raised_at: alert.first_raised_at,
            last_raised_at: alert.last_raised_at,
        }
    }
}

/// Compares a version's recent live scores and applications with its
/// training distributions and raises (or refreshes) an alert for every
/// metric above the threshold. `None` if the version does not exist.
pub async fn monitor<R: ModelRegistry + ?Sized>(
    registry: &R,
    id: ModelVersionId,
) -> AppResult<Option<Monitoring>> {
    let Some(version) = registry.model_version(id).await? else {
        return Ok(None);
    };
    let model = Model::load(&version.artefact).map_err(AppError::internal)?;
    let records = registry.model_scores(id, MONITORING_WINDOW).await?;
    let scores: Vec<f64> = records.iter().map(|r| f64::from(r.score)).collect();
    let applications = records
        .iter()
        .map(|r| serde_json::from_str::<Applicant>(&r.features))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::internal)?;
    let stability = kredit_scoring::stability(&model, &scores, &applications);
    let at = kredit_store::now();
    let raised = stability
        .score
        .iter()
        .chain(&stability.features)
        .filter(|s| s.alert);
    for item in raised {
        registry
            .raise_model_alert(&NewModelAlert {
                model_version_id: id,
                metric: item.name.clone(),
                psi: item.psi,
                threshold: stability.threshold,
                applications: stability.applications as i64,
                at,
            })
            .await?;
    }
    let alerts = registry
        .model_alerts(id)
        .await?
        .into_iter()
        .map(AlertView::from)
        .collect();
    Ok(Some(Monitoring {
        model_version_id: id,
        stability,
        alerts,
    }))
}

/// Monitors the champion and the challenger in service (see [`monitor`]);
/// returns the metrics now above the threshold, as `name vN: metric`.
pub async fn monitor_in_service<R: ModelRegistry + ?Sized>(registry: &R) -> AppResult<Vec<String>> {
    let mut raised = Vec::new();
    let in_service = registry
        .model_versions()
        .await?
        .into_iter()
        .filter(|v| matches!(v.status, ModelStatus::Champion | ModelStatus::Challenger));
    for version in in_service {
        let Some(report) = monitor(registry, version.id).await? else {
            continue;
        };
        let label = format!("{} v{}", version.name, version.version);
        for metric in &report.stability.alerts {
            tracing::warn!(model = %label, %metric, "population stability alert");
            raised.push(format!("{label}: {metric}"));
        }
    }
    Ok(raised)
}

/// Model monitoring as a subscriber to each closed business day.
pub struct ModelMonitoring;

#[async_trait::async_trait]
impl crate::close_of_business::AfterClose for ModelMonitoring {
    async fn day_closed(&self, app: &App, _through: chrono::NaiveDate) -> AppResult<Vec<String>> {
        monitor_in_service(app.repository.as_ref()).await
    }
}

/// The name the demo scorecard is registered under.
pub const DEMO_MODEL_NAME: &str = "german-credit-scorecard";

/// `serve --demo`: registers and activates the German Credit scorecard
/// ([`kredit_scoring::demo_model`]) if no champion exists, then loads the
/// models in service. Idempotent: an existing champion is left alone.
pub async fn seed_demo_model(state: &App) -> AppResult<()> {
    let registry = state.repository.as_ref();
    let versions = registry.model_versions().await?;
    if !versions.iter().any(|v| v.status == ModelStatus::Champion) {
        let info = register(
            registry,
            DEMO_MODEL_NAME,
            &kredit_scoring::demo_model(),
            None,
        )
        .await?;
        registry
            .change_model_status(
                info.id,
                ModelStatus::Champion,
                status_audit(None, ModelStatus::Champion),
            )
            .await?;
    }
    state.scorer.reload(registry).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(id: i64) -> ActiveModel {
        ActiveModel {
            id: ModelVersionId(id),
            label: format!("german v{id}"),
            model: Arc::new(kredit_scoring::demo_model()),
        }
    }

    fn risky() -> Applicant {
        Applicant::new()
            .with("duration_in_month", 60.0)
            .with("credit_amount", 15_000.0)
            .with("status_of_existing_checking_account", "... < 0 DM")
    }

    #[test]
    fn without_a_champion_there_is_no_model_assessment() {
        let scorer = ModelScorer::default();
        assert!(scorer.assess(&risky()).is_none());
        scorer.install(None, Some(active(2)));
        assert!(
            scorer.assess(&risky()).is_none(),
            "a challenger never decides"
        );
    }

    #[test]
    fn the_champion_decides_and_the_challenger_shadows() {
        let scorer = ModelScorer::default();
        scorer.install(Some(active(1)), Some(active(2)));
        let scored = scorer.assess(&risky()).unwrap();
        assert_eq!(scored.champion_version_id, ModelVersionId(1));
        let raw = kredit_scoring::demo_model().score(&risky());
        let a = &scored.assessment;
        assert_eq!(a.score, raw.score.round() as i32);
        assert_eq!(a.model, "german v1");
        let pd = a.probability_of_default.unwrap();
        assert!((pd.units() as f64 / RATE_SCALE as f64 - raw.pd).abs() < 1e-9);
        assert_eq!(a.reasons.len(), raw.reasons.len());
        assert_eq!(
            a.reasons[0].code,
            format!("feature:{}", raw.reasons[0].feature)
        );
        assert_eq!(
            a.reasons[0].points,
            Some(-(raw.reasons[0].contribution.round() as i32))
        );
        assert!(a.reasons.iter().all(|r| r.points.unwrap() <= 0));
        assert!(
            a.reasons
                .iter()
                .any(|r| r.code == "feature:duration_in_month")
        );
        let shadow = scored.challenger.unwrap();
        assert_eq!(shadow.model_version_id, ModelVersionId(2));
        assert_eq!(shadow.assessment.model, "german v2");
        assert_eq!(shadow.assessment.score, a.score);
    }

    #[test]
    fn gbm_contributions_become_points() {
        use kredit_scoring::{Dataset, LoadOptions, ModelKind, TrainConfig};
        let csv = include_str!("../../kredit-scoring/fixtures/german_credit.csv");
        let data =
            Dataset::from_csv(csv.as_bytes(), &LoadOptions::new("creditability", "bad")).unwrap();
        let config = TrainConfig {
            kind: ModelKind::Gbm,
            ..TrainConfig::default()
        };
        let model = kredit_scoring::train(&data, &config).unwrap().model;
        let raw = model.score(&risky());
        let points_per_logit = model.artefact().scaling.pdo / std::f64::consts::LN_2;
        let gbm = ActiveModel {
            id: ModelVersionId(7),
            label: "gbm v1".into(),
            model: Arc::new(model),
        };
        let assessment = gbm.assess(&risky());
        assert_eq!(assessment.score, raw.score.round() as i32);
        assert!(!raw.reasons.is_empty());
        for (reason, raw) in assessment.reasons.iter().zip(&raw.reasons) {
            assert_eq!(reason.code, format!("feature:{}", raw.feature));
            let expected = -((raw.contribution * points_per_logit).round() as i32);
            assert_eq!(reason.points, Some(expected));
        }
    }

    #[test]
    fn pd_rates_are_exact_to_the_unit() {
        assert_eq!(pd_rate(0.25), Rate::from_bps(2_500));
        assert_eq!(pd_rate(1.5), Rate::ONE);
        assert_eq!(pd_rate(-0.1), Rate::ZERO);
    }
}
