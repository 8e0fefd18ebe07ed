//! "Chromium on Linux": the browser and system of a sign-in, in words, for Recent
//! Authentications. woothee reads the User-Agent; the `Sec-CH-UA` brand list, where the
//! browser sends one, tells Chromium apart from the Chrome it otherwise claims to be.

use std::sync::OnceLock;
use woothee::parser::Parser;

const UNKNOWN: &str = "UNKNOWN";

/// Browsers built on Chromium name themselves in `Sec-CH-UA` beside "Chromium" and a
/// made-up "GREASE" brand; these are the ones worth telling apart.
const BRANDS: [(&str, &str); 6] = [
    ("Google Chrome", "Chrome"),
    ("Microsoft Edge", "Edge"),
    ("Opera", "Opera"),
    ("Brave", "Brave"),
    ("Vivaldi", "Vivaldi"),
    ("YaBrowser", "Yandex Browser"),
];

pub fn describe(user_agent: Option<&str>, client_hint_brands: Option<&str>) -> String {
    let parsed = user_agent.and_then(|agent| parser().parse(agent));
    let known = |text: &str| (!text.is_empty() && text != UNKNOWN).then(|| text.to_owned());
    let browser = client_hint_brands
        .and_then(browser_from_brands)
        .or_else(|| parsed.as_ref().and_then(|p| known(p.name)));
    let os = parsed
        .as_ref()
        .and_then(|p| known(p.os))
        .map(|os| match os.as_str() {
            "Mac OSX" => "macOS".to_owned(),
            _ => os,
        });
    match (browser, os) {
        (Some(browser), Some(os)) => format!("{browser} on {os}"),
        (Some(browser), None) => browser,
        (None, Some(os)) => format!("Unknown browser on {os}"),
        (None, None) => "Unknown browser".to_owned(),
    }
}

fn parser() -> &'static Parser {
    static PARSER: OnceLock<Parser> = OnceLock::new();
    PARSER.get_or_init(Parser::new)
}

fn browser_from_brands(header: &str) -> Option<String> {
    let list: sfv::List = sfv::Parser::new(header).parse().ok()?;
    let brands: Vec<String> = list
        .iter()
        .filter_map(|entry| match entry {
            sfv::ListEntry::Item(item) => item.bare_item.as_string().map(|s| s.as_str().to_owned()),
            sfv::ListEntry::InnerList(_) => None,
        })
        .collect();
    BRANDS
        .iter()
        .find(|(brand, _)| brands.iter().any(|b| b == brand))
        .map(|(_, words)| (*words).to_owned())
        .or_else(|| {
            brands
                .iter()
                .any(|b| b == "Chromium")
                .then(|| "Chromium".to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROMIUM_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    #[test]
    fn chromium_is_told_apart_by_its_brands() {
        let brands = r#""Chromium";v="131", "Not_A Brand";v="24""#;
        assert_eq!(
            describe(Some(CHROMIUM_LINUX), Some(brands)),
            "Chromium on Linux"
        );
        let chrome = r#""Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24""#;
        assert_eq!(
            describe(Some(CHROMIUM_LINUX), Some(chrome)),
            "Chrome on Linux"
        );
        let edge = r#""Not A(Brand";v="8", "Chromium";v="132", "Microsoft Edge";v="132""#;
        assert_eq!(describe(Some(CHROMIUM_LINUX), Some(edge)), "Edge on Linux");
    }

    #[test]
    fn without_brands_the_user_agent_decides() {
        assert_eq!(describe(Some(CHROMIUM_LINUX), None), "Chrome on Linux");
        assert_eq!(
            describe(Some(CHROMIUM_LINUX), Some("not a list ((")),
            "Chrome on Linux"
        );
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(Some(firefox), None), "Firefox on Windows 10");
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
        assert_eq!(describe(Some(safari), None), "Safari on macOS");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone), None), "Safari on iPhone");
    }

    #[test]
    fn unknown_agents_say_so() {
        assert_eq!(describe(None, None), "Unknown browser");
        assert_eq!(describe(Some(""), None), "Unknown browser");
        assert_eq!(describe(Some("zzz"), None), "Unknown browser");
    }
}
