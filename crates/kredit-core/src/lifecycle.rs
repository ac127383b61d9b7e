//! Lifecycle states as enums with exactly one string mapping each: the
//! same text in JSON, in the OpenAPI schema, in the database and in logs,
//! written once.

/// The text was none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Declares a fieldless enum whose variants each map to one string:
/// `as_str`, `Display`, `FromStr`, `TryFrom<String>` (for sqlx's
/// `#[sqlx(try_from = "String")]`) and serde all use that string. Exported
/// for the other pure crates (kredit-policy); a crate that uses it depends
/// on serde, and its `utoipa` feature (if it declares one) adds the schema.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal) {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::lifecycle::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| $crate::lifecycle::UnknownValue {
                        kind: $kind,
                        value: text.to_owned(),
                    })
            }
        }

        // By hand rather than derived, so the schema's values are these
        // strings too.
        #[cfg(feature = "utoipa")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::ALL.iter().map(|value| value.as_str())))
                    .into()
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::ToSchema for $name {}

        impl TryFrom<String> for $name {
            type Error = $crate::lifecycle::UnknownValue;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    };
}

pub(crate) use crate::string_enum;

#[cfg(test)]
mod tests {
    string_enum! {
        /// A test enum.
        pub enum Light ("light") {
            Red = "red",
            AmberFlashing = "amber_flashing",
        }
    }

    #[test]
    fn one_mapping_everywhere() {
        for light in Light::ALL {
            let text = light.as_str();
            assert_eq!(light.to_string(), text);
            assert_eq!(text.parse::<Light>(), Ok(light));
            assert_eq!(serde_json::to_value(light).unwrap(), text);
            assert_eq!(
                serde_json::from_value::<Light>(serde_json::json!(text)).unwrap(),
                light
            );
        }
        let error = "green".parse::<Light>().unwrap_err();
        assert_eq!(error.to_string(), "unknown light \"green\"");
    }
}
