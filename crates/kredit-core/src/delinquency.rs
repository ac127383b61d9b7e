//! Days past due, collection buckets and the five-category loan
//! classification (贷款五级分类).

use serde::{Deserialize, Serialize};

/// Collection bucket by days past due: M0 is current, M1 is 1–30 DPD, M2 is
/// 31–60 … M6 is 151–180, M7+ beyond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bucket {
    M0,
    M1,
    M2,
    M3,
    M4,
    M5,
    M6,
    #[serde(rename = "M7+")]
    M7Plus,
}

impl Bucket {
    pub const ALL: [Bucket; 8] = [
        Bucket::M0,
        Bucket::M1,
        Bucket::M2,
        Bucket::M3,
        Bucket::M4,
        Bucket::M5,
        Bucket::M6,
        Bucket::M7Plus,
    ];

    pub fn from_dpd(dpd: u32) -> Bucket {
        match dpd {
            0 => Bucket::M0,
            _ => Bucket::ALL[(dpd.div_ceil(30) as usize).min(7)],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::M0 => "M0",
            Bucket::M1 => "M1",
            Bucket::M2 => "M2",
            Bucket::M3 => "M3",
            Bucket::M4 => "M4",
            Bucket::M5 => "M5",
            Bucket::M6 => "M6",
            Bucket::M7Plus => "M7+",
        }
    }
}

/// The five regulatory categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 正常
    Normal,
    /// 关注
    SpecialMention,
    /// 次级
    Substandard,
    /// 可疑
    Doubtful,
    /// 损失
    Loss,
}

impl Classification {
    pub const ALL: [Classification; 5] = [
        Classification::Normal,
        Classification::SpecialMention,
        Classification::Substandard,
        Classification::Doubtful,
        Classification::Loss,
    ];

    /// The stored and wire name (`special_mention`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Normal => "normal",
            Classification::SpecialMention => "special_mention",
            Classification::Substandard => "substandard",
            Classification::Doubtful => "doubtful",
            Classification::Loss => "loss",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Classification::Normal => "正常",
            Classification::SpecialMention => "关注",
            Classification::Substandard => "次级",
            Classification::Doubtful => "可疑",
            Classification::Loss => "损失",
        }
    }
}

/// The first DPD of each category after Normal. Defaults: 关注 from 1,
/// 次级 from 91, 可疑 from 271, 损失 from 361.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationThresholds {
    pub special_mention_from: u32,
    pub substandard_from: u32,
    pub doubtful_from: u32,
    pub loss_from: u32,
}

impl Default for ClassificationThresholds {
    fn default() -> Self {
        ClassificationThresholds {
            special_mention_from: 1,
            substandard_from: 91,
            doubtful_from: 271,
            loss_from: 361,
        }
    }
}

impl ClassificationThresholds {
    /// Thresholds must rise strictly, starting at 1 or later.
    pub fn validate(&self) -> Result<(), String> {
        let t = [
            self.special_mention_from,
            self.substandard_from,
            self.doubtful_from,
            self.loss_from,
        ];
        if t[0] >= 1 && t.windows(2).all(|w| w[0] < w[1]) {
            Ok(())
        } else {
            Err("classification thresholds must start at 1 or later and rise strictly".into())
        }
    }

    pub fn classify(&self, dpd: u32) -> Classification {
        if dpd >= self.loss_from {
            Classification::Loss
        } else if dpd >= self.doubtful_from {
            Classification::Doubtful
        } else if dpd >= self.substandard_from {
            Classification::Substandard
        } else if dpd >= self.special_mention_from {
            Classification::SpecialMention
        } else {
            Classification::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_thirty_day_bands() {
        let cases = [
            (0, "M0"),
            (1, "M1"),
            (30, "M1"),
            (31, "M2"),
            (180, "M6"),
            (181, "M7+"),
            (4000, "M7+"),
        ];
        for (dpd, label) in cases {
            assert_eq!(Bucket::from_dpd(dpd).label(), label, "{dpd}");
        }
    }

    #[test]
    fn default_classification_bands() {
        let t = ClassificationThresholds::default();
        let cases = [
            (0, Classification::Normal),
            (1, Classification::SpecialMention),
            (90, Classification::SpecialMention),
            (91, Classification::Substandard),
            (270, Classification::Substandard),
            (271, Classification::Doubtful),
            (360, Classification::Doubtful),
            (361, Classification::Loss),
        ];
        for (dpd, class) in cases {
            assert_eq!(t.classify(dpd), class, "{dpd}");
        }
        assert!(t.validate().is_ok());
        let bad = ClassificationThresholds {
            doubtful_from: 50,
            ..t
        };
        assert!(bad.validate().is_err());
    }
}
