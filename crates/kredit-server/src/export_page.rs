//! The data export as a page a person reads (PIPL art. 45's copy "in a
//! readable form"): the same values as the JSON export, section by section
//! with headings in Chinese and English, every value HTML-escaped. It is a
//! downloaded file, so it carries its own style and no script.

use std::fmt::Write as _;

use kredit_app::data_rights::export::DataExport;
use serde_json::Value;

use crate::error::ApiError;

/// Each section of the export: its JSON key and its headings.
const SECTIONS: [(&str, &str, &str); 11] = [
    ("account", "账户", "Account"),
    ("identity", "身份信息", "Identity"),
    ("consents", "同意记录", "Consents"),
    ("applications", "借款申请", "Applications"),
    ("contracts", "借款合同", "Contracts"),
    ("loans", "借款", "Loans"),
    ("payments", "支付记录", "Payments"),
    ("feedback", "意见反馈", "Feedback"),
    ("sessions", "登录会话", "Sessions"),
    ("staff_views", "员工查看记录", "Staff views of your data"),
    ("requests", "个人信息权利请求", "Your requests"),
];

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem auto;\
max-width:60rem;padding:0 1rem;color:#1f1f1f}h1{font-size:1.5rem}h2{font-size:1.15rem;\
border-bottom:1px solid #ddd;padding-bottom:.25rem;margin-top:2rem}table{border-collapse:collapse;\
width:100%;margin:.5rem 0}th,td{border:1px solid #e5e5e5;padding:.3rem .5rem;text-align:left;\
vertical-align:top;font-size:.9rem}th{background:#fafafa;width:14rem}pre{white-space:pre-wrap;\
word-break:break-all;margin:0;font-size:.8rem}.none{color:#888}";

pub fn render(export: &DataExport) -> Result<String, ApiError> {
    let value = serde_json::to_value(export).map_err(ApiError::internal)?;
    let mut page = String::with_capacity(16 * 1024);
    page.push_str("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = write!(
        page,
        "<title>Kredit 个人信息副本 · Your data</title><style>{STYLE}</style></head><body>\
         <h1>Kredit 个人信息副本 · A copy of your personal data</h1><p>生成时间 Generated {}</p>",
        escape(&text(&value["generated_at"]))
    );
    for (key, zh, en) in SECTIONS {
        let _ = write!(page, "<h2>{zh} · {en}</h2>");
        section(&mut page, &value[key]);
    }
    page.push_str("</body></html>");
    Ok(page)
}

/// An object as a two-column table; a list as one table per item; nothing
/// as "none".
fn section(page: &mut String, value: &Value) {
    match value {
        Value::Null => page.push_str("<p class=\"none\">无 · none</p>"),
        Value::Array(items) if items.is_empty() => {
            page.push_str("<p class=\"none\">无 · none</p>");
        }
        Value::Array(items) => items.iter().for_each(|item| section(page, item)),
        Value::Object(fields) => {
            page.push_str("<table>");
            for (name, field) in fields {
                let _ = write!(page, "<tr><th>{}</th><td>", escape(name));
                match field {
                    Value::Object(_) | Value::Array(_) => {
                        let pretty = serde_json::to_string_pretty(field).unwrap_or_default();
                        let _ = write!(page, "<pre>{}</pre>", escape(&pretty));
                    }
                    other => page.push_str(&escape(&text(other))),
                }
                page.push_str("</td></tr>");
            }
            page.push_str("</table>");
        }
        other => {
            let _ = write!(page, "<p>{}</p>", escape(&text(other)));
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let mut page = String::new();
        section(
            &mut page,
            &serde_json::json!({"message": "<script>alert('x')</script> & co"}),
        );
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(!page.contains("<script>"));
    }
}
