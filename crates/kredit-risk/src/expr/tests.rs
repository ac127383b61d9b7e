use super::*;
use crate::schema::kredit_schema;

fn features(pairs: &[(&str, Value)]) -> Features {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn compile(source: &str) -> Result<Rule, RuleError> {
    let mut schema = kredit_schema();
    schema.models.insert("fraud".to_owned());
    Rule::compile(source, &schema)
}

fn error_at(source: &str) -> (u32, u32, String) {
    let e = compile(source).expect_err(source);
    (e.at.line, e.at.column, e.message)
}

#[test]
fn evaluates_arithmetic_on_money_and_ints() {
    let rule = compile("amount / monthly_income >= 20 and amount - 100.00 * 2 == 4800.00").unwrap();
    let f = features(&[
        ("amount", Value::Money(500_000)),
        ("monthly_income", Value::Money(25_000)),
    ]);
    assert_eq!(rule.holds(&f), Ok(true));
    let f = features(&[
        ("amount", Value::Money(500_000)),
        ("monthly_income", Value::Money(25_001)),
    ]);
    // 500000 / 25001 truncates to 19.
    assert_eq!(rule.holds(&f), Ok(false));
    assert_eq!(
        rule.features,
        ["amount", "monthly_income"].map(str::to_owned).into()
    );
}

#[test]
fn precedence_and_unicode_operators() {
    let rule =
        compile("2 + 3 × 4 == 14 and (2 + 3) × 4 == 20 and 7 ÷ 2 == 3 and 1 − 2 == -1").unwrap();
    assert_eq!(rule.holds(&Features::new()), Ok(true));
    let rule = compile("not true or false and true").unwrap();
    // not binds tightest, and before or: (not true) or (false and true).
    assert_eq!(rule.holds(&Features::new()), Ok(false));
}

#[test]
fn aggregates_scores_lists_and_similarity() {
    let rule = compile(
        "distinct_borrowers(device, 7d) >= 5 or count(phone, 24h) > 3 or score(fraud) >= 900",
    )
    .unwrap();
    let names: Vec<&str> = rule.features.iter().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "count(phone, 24h)",
            "distinct_borrowers(device, 7d)",
            "score(fraud)"
        ]
    );
    let f = features(&[
        ("distinct_borrowers(device, 7d)", Value::Int(5)),
        ("count(phone, 24h)", Value::Int(0)),
        ("score(fraud)", Value::Int(10)),
    ]);
    assert_eq!(rule.holds(&f), Ok(true));

    let rule =
        compile("product_code in [\"cash-12\", \"car\"] and term_months in [6, 12]").unwrap();
    let f = features(&[
        ("product_code", Value::Text("car".into())),
        ("term_months", Value::Int(12)),
    ]);
    assert_eq!(rule.holds(&f), Ok(true));

    let rule = compile("similarity(applicant_name, payee_name) < 800").unwrap();
    let same = features(&[
        ("applicant_name", Value::Text("Zhang Wei".into())),
        ("payee_name", Value::Text("WEI zhang".into())),
    ]);
    assert_eq!(rule.holds(&same), Ok(false));
    let other = features(&[
        ("applicant_name", Value::Text("Zhang Wei".into())),
        ("payee_name", Value::Text("Maria Fernandes".into())),
    ]);
    assert_eq!(rule.holds(&other), Ok(true));
}

#[test]
fn type_errors_name_their_position() {
    assert_eq!(
        error_at("amount > 5"),
        (1, 8, "cannot compare money with int".to_owned())
    );
    assert_eq!(
        error_at("amount + term_months > 0.00"),
        (1, 8, "cannot add money and int".to_owned())
    );
    assert_eq!(
        error_at("term_months * 2"),
        (
            1,
            1,
            "a rule must be a condition (bool), this is int".to_owned()
        )
    );
    assert_eq!(
        error_at("device_present and\n  count(card, 1h) > 1"),
        (
            2,
            9,
            "no key is named `card` (borrower, phone, id_number, device, ip, payee_card, employer)"
                .to_owned()
        )
    );
    assert_eq!(
        error_at("count(phone, 2h) > 1"),
        (1, 14, "windows are 1h, 24h, 7d or 30d".to_owned())
    );
    assert_eq!(error_at("salary > 0.00").2, "no feature is named `salary`");
    assert_eq!(
        error_at("score(credit) > 1").2,
        "no model is named `credit`"
    );
    assert_eq!(error_at("exec(\"rm\")").2, "no function is named `exec`");
    assert_eq!(
        error_at("amount > 1.5"),
        (
            1,
            10,
            "an amount has exactly two decimal places (fen); the language has no fractions"
                .to_owned()
        )
    );
    assert_eq!(error_at("term_months in [1, \"x\"]").1, 20);
    assert_eq!(
        error_at("applicant_name < \"b\"").2,
        "text values have no order"
    );
    assert_eq!(error_at("(term_months > 1").2, "expected `)`");
    assert_eq!(error_at("term_months > 1 1").1, 17);
    assert_eq!(error_at("term_months >").2, "the rule ends too early");
    assert_eq!(error_at("\"open").2, "a text literal is not closed");
    assert_eq!(
        error_at("device_present and 1").2,
        "`and` takes conditions (bool), not int"
    );
}

#[test]
fn evaluation_errors_are_errors_not_answers() {
    let rule = compile("amount / monthly_income > 1").unwrap();
    let zero = features(&[
        ("amount", Value::Money(1)),
        ("monthly_income", Value::Money(0)),
    ]);
    assert_eq!(rule.holds(&zero), Err(EvalError::DivisionByZero));
    assert_eq!(
        rule.holds(&Features::new()),
        Err(EvalError::Missing("amount".to_owned()))
    );
    let mistyped = features(&[
        ("amount", Value::Int(1)),
        ("monthly_income", Value::Money(1)),
    ]);
    assert!(matches!(
        rule.holds(&mistyped),
        Err(EvalError::WrongType { .. })
    ));
    let rule = compile("amount * 9223372036854775807 > 0.00").unwrap();
    assert_eq!(
        rule.holds(&features(&[("amount", Value::Money(2))])),
        Err(EvalError::Overflow)
    );
}

#[test]
fn and_or_do_not_read_what_they_do_not_need() {
    let rule = compile("device_present and count(device, 1h) > 3").unwrap();
    let f = features(&[("device_present", Value::Bool(false))]);
    assert_eq!(rule.holds(&f), Ok(false));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// An integer expression as text and its value computed directly.
    fn int_expr() -> impl Strategy<Value = (String, Option<i64>)> {
        let leaf = (-1000i64..1000).prop_map(|n| {
            if n < 0 {
                (format!("(-{})", -n), Some(n))
            } else {
                (n.to_string(), Some(n))
            }
        });
        leaf.prop_recursive(4, 32, 2, |inner| {
            (
                inner.clone(),
                prop_oneof![Just('+'), Just('-'), Just('*'), Just('/')],
                inner,
            )
                .prop_map(|((a, x), op, (b, y))| {
                    let value = match (x, y) {
                        (Some(x), Some(y)) => match op {
                            '+' => x.checked_add(y),
                            '-' => x.checked_sub(y),
                            '*' => x.checked_mul(y),
                            _ => x.checked_div(y),
                        },
                        _ => None,
                    };
                    (format!("({a} {op} {b})"), value)
                })
        })
    }

    proptest! {
        #[test]
        fn arithmetic_matches_i64((text, value) in int_expr(), bound in -5000i64..5000) {
            let rule = compile(&format!("{text} >= {}", if bound < 0 { format!("(-{})", -bound) } else { bound.to_string() })).unwrap();
            let got = rule.holds(&Features::new());
            match value {
                Some(v) => prop_assert_eq!(got, Ok(v >= bound)),
                None => prop_assert!(got.is_err()),
            }
        }

        #[test]
        fn no_text_panics_the_compiler(text in "\\PC{0,40}") {
            let _ = compile(&text);
        }

        #[test]
        fn boolean_logic_matches_rust(a: bool, b: bool, c: bool) {
            let f = features(&[
                ("device_present", Value::Bool(a)),
                ("monthly_income_declared", Value::Bool(b)),
            ]);
            let lit = if c { "true" } else { "false" };
            let rule = compile(&format!("not device_present or monthly_income_declared and {lit}")).unwrap();
            prop_assert_eq!(rule.holds(&f), Ok(!a || (b && c)));
        }
    }
}
