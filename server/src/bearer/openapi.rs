//! The OpenAPI 3 document of the API, made from the handlers' own annotations and served
//! at `/api/v1/openapi.json`.

use super::ErrorBody;
use app::rules::label::{MAX_DESCRIPTION_CHARS, MAX_LABEL_CHARS};
use app::rules::lists::MAX_ENTRIES;
use app::rules::permission::MAX_NAME_CHARS;
use serde_json::{json, Value};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// What every bearer-protected operation may answer besides success (RFC 6750 §3.1).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its description of the responses is used
pub enum AuthErrors {
    /// Malformed request (`invalid_request`), e.g. a token in the URL.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token, or a token that is invalid, expired, revoked or used from a network or
    /// site it may not be (`invalid_token`), with `WWW-Authenticate`.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The token lacks the permission (`insufficient_scope`; the needed `scope` is in
    /// `WWW-Authenticate` and the body).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Too many invalid tokens from the caller's address (`too_many_requests`); wait the
    /// seconds `Retry-After` gives.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
}

/// What forward auth answers, whatever the method: a status and headers, never a body,
/// since gateways pass on only those.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its description of the responses is used
pub enum GatewayAnswers {
    /// The token is valid here; the headers name the caller for the service behind the
    /// gateway.
    #[response(
        status = 200,
        headers(
            ("X-Tessera-User" = String, description = "The token owner's username"),
            ("X-Tessera-Token-Id" = String, description = "The token's id"),
            ("X-Tessera-Scopes" = String, description = "The permissions the token may use, space-separated")
        )
    )]
    Allowed,
    /// A token in the URL, or a `scope` that is no permission name (`invalid_request`).
    #[response(
        status = 400,
        headers(("WWW-Authenticate" = String, description = "`Bearer` with `error` and `error_description`"))
    )]
    BadRequest,
    /// No token, or a token that is invalid, expired, revoked or used from a network or
    /// site it may not be (`invalid_token`).
    #[response(
        status = 401,
        headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error` when a token was sent"))
    )]
    Unauthorized,
    /// The token lacks a permission `scope` asks for (`insufficient_scope`).
    #[response(
        status = 403,
        headers(("WWW-Authenticate" = String, description = "`Bearer` with `error` and the `scope` needed"))
    )]
    Forbidden,
    /// Too many invalid tokens from the caller's address.
    #[response(
        status = 429,
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    TooManyRequests,
}

/// Forward auth's query.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its description of the parameters is used
pub struct ForwardAuthQuery {
    /// Permissions the token must hold, space-separated or repeated (`?scope=a&scope=b`);
    /// all are required.
    #[param(schema_with = scope_query)]
    scope: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Personal access tokens. Send one as `Authorization: Bearer <token>`; each operation names the permission its token needs."
    ),
    paths(super::forward_auth::forward_auth),
    modifiers(&BearerScheme),
    tags(
        (name = "profile", description = "Who a token speaks for"),
        (name = "tokens", description = "The caller's personal access tokens"),
        (name = "reports", description = "Admin reports"),
        (name = "audit", description = "The audit trail, for admins"),
        (name = "gateway", description = "Token checks for gateways and resource servers"),
        (name = "secret-scanning", description = "Leak alerts from GitHub's secret scanning, signed by GitHub")
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A Tessera personal access token (48 characters, `tsr1…`).",
                    ))
                    .build(),
            ),
        );
    }
}

// What the server checks, as JSON Schema, so that the document allows exactly the requests
// the server accepts (scripts/schemathesis.sh holds it to that). Patterns are ECMA-262, as
// OpenAPI says, and avoid `\s`, `\d` and `\w`, which Rust, Python and JavaScript read
// differently.

/// White space as `str::trim` removes it (Unicode White_Space).
const TRIMMED: &str =
    r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Control characters (Unicode Cc).
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

fn text(pattern: String, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
}

/// A token's label: 1 to 100 characters once the white space around it is trimmed, and no
/// control characters.
pub fn label() -> Schema {
    let inner = MAX_LABEL_CHARS - 2;
    text(
        format!(
            "^[{TRIMMED}]*[^{CONTROL}{TRIMMED}](?:[^{CONTROL}]{{0,{inner}}}[^{CONTROL}{TRIMMED}])?[{TRIMMED}]*$"
        ),
        "1 to 100 characters, not counting white space around them (which is dropped); no line breaks or other control characters.",
    )
    .build()
    .into()
}

/// A token's description: up to 500 characters once trimmed.
pub fn description() -> Schema {
    let inner = MAX_DESCRIPTION_CHARS - 2;
    text(
        format!(
            "^[{TRIMMED}]*(?:[^{TRIMMED}](?:(?:[^{TRIMMED}]|[{TRIMMED}]){{0,{inner}}}[^{TRIMMED}])?)?[{TRIMMED}]*$"
        ),
        "Optional: up to 500 characters, not counting white space around them (which is dropped). Line breaks are kept.",
    )
    .default(Some(json!("")))
    .build()
    .into()
}

/// One permission name, as the catalogue allows them (`app::rules::permission::validate_name`).
fn permission_name() -> String {
    format!("[a-z][a-z0-9._:-]{{1,{}}}", MAX_NAME_CHARS - 1)
}

/// The permissions a new token holds.
pub fn permissions() -> Schema {
    ArrayBuilder::new()
        .items(text(format!("^{}$", permission_name()), "A permission's name"))
        .min_items(Some(1))
        .description(Some(
            "At least one; each must be held by the token making the request (`insufficient_scope` otherwise).",
        ))
        .build()
        .into()
}

/// `?scope=` of forward auth: permission names separated by ASCII white space, or none.
pub fn scope_query() -> Schema {
    let name = permission_name();
    text(
        format!("^[\\t\\n\\f\\r ]*(?:{name}(?:[\\t\\n\\f\\r ]+{name})*[\\t\\n\\f\\r ]*)?$"),
        "Permissions the token must hold, space-separated or repeated (`?scope=a&scope=b`); all are required.",
    )
    .build()
    .into()
}

const IPV4_OCTET: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

fn ipv4() -> String {
    format!("{IPV4_OCTET}(?:\\.{IPV4_OCTET}){{3}}")
}

/// An IPv6 address as Rust's `Ipv6Addr` reads it: eight groups, or fewer around one `::`,
/// the last two of which may be written as an IPv4 address.
fn ipv6() -> String {
    let group = "[0-9A-Fa-f]{1,4}";
    let v4 = ipv4();
    let mut forms = vec![
        format!("(?:{group}:){{7}}{group}"),
        format!("(?:{group}:){{6}}{v4}"),
    ];
    for before in 0..=7usize {
        let room = 7 - before;
        let head = match before {
            0 => String::new(),
            n => format!("(?:{group}:){{{}}}{group}", n - 1),
        };
        let mut tails = Vec::new();
        if room >= 1 {
            tails.push(format!("(?:{group}:){{0,{}}}{group}", room - 1));
        }
        if room >= 2 {
            tails.push(format!("(?:{group}:){{0,{}}}{v4}", room - 2));
        }
        let tail = match tails.is_empty() {
            true => String::new(),
            false => format!("(?:{})?", tails.join("|")),
        };
        forms.push(format!("{head}::{tail}"));
    }
    format!("(?:{})", forms.join("|"))
}

/// The pattern of one Whitelist IPs entry: an address, or a CIDR range
/// (`app::rules::network::parse_ip_entry`).
pub fn ip_entry_pattern() -> String {
    format!(
        "^(?:{}(?:/(?:[0-2]?[0-9]|3[0-2]))?|{}(?:/(?:[0-9]{{1,2}}|0[0-9]{{2}}|1[01][0-9]|12[0-8]))?)$",
        ipv4(),
        ipv6()
    )
}

fn entries(item: ObjectBuilder, description: &str) -> Schema {
    ArrayBuilder::new()
        .items(item)
        .max_items(Some(MAX_ENTRIES))
        .description(Some(description))
        .default(Some(json!([])))
        .build()
        .into()
}

pub fn ip_whitelist() -> Schema {
    entries(
        text(
            ip_entry_pattern(),
            "An IPv4 or IPv6 address, or a CIDR range such as 192.0.2.0/24",
        ),
        "Up to 100 addresses or CIDR ranges, inside the calling token's; empty keeps the calling token's whitelist (which, empty itself, allows any address).",
    )
}

/// The pattern of a host name (`app::rules::domain`): dot-separated labels of letters,
/// digits and inner hyphens, each up to 63 characters.
fn host_name() -> String {
    let label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    format!("{label}(?:\\.{label})*")
}

/// A host name is at most 253 characters long, and a wildcard two more (`*.`).
pub fn domain_whitelist() -> Schema {
    let host = host_name();
    let item = AnyOfBuilder::new()
        .item(text(format!("^{host}$"), "A host name").max_length(Some(253)))
        .item(text(format!("^\\*\\.{host}$"), "Any subdomain of a host name").max_length(Some(255)))
        .description(Some(
            "A host name, or `*.` and a host name for its subdomains",
        ));
    ArrayBuilder::new()
        .items(item)
        .max_items(Some(MAX_ENTRIES))
        .description(Some(
            "Up to 100 host names or `*.` wildcards, inside the calling token's; empty keeps the calling token's (which, empty itself, allows any web page).",
        ))
        .default(Some(json!([])))
        .build()
        .into()
}

/// Where leaked secrets were found: an http(s) link of up to 2048 characters, or nothing
/// (`null`, or only white space). The server reads links as browsers do (the `url` crate);
/// the pattern is the plain kind of link: host labels without `--` (so no `xn--` label
/// that must be Punycode), the last one not a number.
pub fn leak_link() -> Schema {
    let label = "[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*";
    let last = "[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*";
    let link = text(
        format!("^[Hh][Tt][Tt][Pp][Ss]?://(?:{label}\\.)*{last}(?:[/?#][!-~]*)?$"),
        "An http or https link",
    )
    .max_length(Some(2048));
    AnyOfBuilder::new()
        .item(link)
        .item(text(format!("^[{TRIMMED}]*$"), "Nothing"))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "Where they were found, as an http or https link of up to 2048 characters; their owners are told.",
        ))
        .build()
        .into()
}

/// A string that is one of `words`.
pub fn one_of_words(words: impl IntoIterator<Item = &'static str>, description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words))
        .description(Some(description))
        .build()
        .into()
}

/// The finished document: what utoipa makes of the annotations, and what they cannot say.
pub fn finish(document: utoipa::openapi::OpenApi) -> Value {
    let mut document = serde_json::to_value(document).expect("the document is JSON");
    unique_operation_ids(&mut document);
    document["paths"]["/api/v1/auth"]["description"] = json!(
        "Forward auth answers every method alike, as listed here and any other (`QUERY`, \
         `PROPFIND`, …), since gateways forward the original one; and any path below \
         `/api/v1/auth/`, since Envoy appends the original path to its `path_prefix`."
    );
    document["paths"]["/api/v1/auth"]["x-any-method"] = json!(true);
    for name in ["CreateTokenRequest", "RotateTokenRequest"] {
        if let Some(schema) = document["components"]["schemas"].get_mut(name) {
            schema["oneOf"] = expiry_choice();
        }
    }
    document
}

/// One handler answering several methods gives each the same `operationId`, which must be
/// unique: each gets its method appended.
fn unique_operation_ids(document: &mut Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for operation in item.values() {
            if let Some(id) = operation["operationId"].as_str() {
                *seen.entry(id.to_owned()).or_default() += 1;
            }
        }
        for (method, operation) in item.iter_mut() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            if seen[id] > 1 {
                operation["operationId"] = json!(format!("{id}_{method}"));
            }
        }
    }
}

/// `expires_at`, `expires_in_days` and `never_expires: true` exclude each other: a request
/// gives one of them or none. A `null` date or day count, and `never_expires: false`, count
/// as not given.
fn expiry_choice() -> Value {
    let unset = json!({"expires_at": {"type": "null"}, "expires_in_days": {"type": "null"}, "never_expires": {"const": false}});
    let choice = |title: &str, given: &str, schema: Value| {
        let mut properties = unset.clone();
        properties[given] = schema;
        json!({"title": title, "required": [given], "properties": properties})
    };
    json!([
        {"title": "Default expiry", "properties": unset},
        choice("Expires at", "expires_at", json!({"type": "string", "format": "date-time"})),
        choice("Expires in days", "expires_in_days", json!({"type": "integer"})),
        choice("Never expires", "never_expires", json!({"const": true})),
    ])
}

#[cfg(test)]
mod tests {
    //! Each pattern against the rule it describes: what the pattern generates, the rule
    //! accepts; and on strings made of the characters that matter, the two agree.

    use super::*;
    use app::audit::AuditCursor;
    use app::rules::domain::DomainPattern;
    use app::rules::label::{validate_description, validate_label};
    use app::rules::network::parse_ip_entry;
    use app::rules::permission::validate_name;
    use proptest::prelude::*;
    use proptest::string::string_regex;
    use regex::Regex;

    fn json_of(schema: Schema) -> Value {
        serde_json::to_value(schema).unwrap()
    }

    fn pattern(schema: &Value) -> String {
        schema["pattern"].as_str().unwrap().to_owned()
    }

    /// What `pattern` matches, for proptest, which has no anchors.
    fn generated(pattern: &str) -> impl Strategy<Value = String> {
        let inner = pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap();
        string_regex(inner).unwrap()
    }

    fn matcher(pattern: &str) -> Regex {
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 26)
            .build()
            .unwrap()
    }

    /// Strings of `pieces`, which mix what a rule cares about with what it does not.
    fn made_of(pieces: &'static [&'static str], most: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(pieces), 0..most).prop_map(|p| p.concat())
    }

    const TEXT: &[&str] = &[
        "a",
        "é",
        "Z",
        " ",
        "\t",
        "\n",
        "\u{a0}",
        "\u{85}",
        "\u{7}",
        "\u{7f}",
        "\u{2003}",
        "\u{3000}",
        "\u{feff}",
        "\u{1F600}",
        "aaaaaaaaaaaaaaaaaaaa",
    ];

    proptest! {
        #[test]
        fn the_label_pattern_is_the_label_rule(text in made_of(TEXT, 12)) {
            let label = matcher(&pattern(&json_of(label())));
            prop_assert_eq!(label.is_match(&text), validate_label(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn the_description_pattern_is_the_description_rule(text in made_of(TEXT, 40)) {
            let description = matcher(&pattern(&json_of(description())));
            prop_assert_eq!(
                description.is_match(&text),
                validate_description(&text).is_ok(),
                "{:?}",
                text
            );
        }

        // Without white space, which the API refuses in an item before this rule reads it.
        #[test]
        fn the_ip_pattern_is_the_ip_rule(text in made_of(IP, 14)) {
            let entry = matcher(&ip_entry_pattern());
            prop_assert_eq!(entry.is_match(&text), parse_ip_entry(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn generated_ip_entries_are_accepted(text in generated(&ip_entry_pattern())) {
            prop_assert!(parse_ip_entry(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn the_domain_patterns_are_the_domain_rule(text in made_of(DOMAIN, 10)) {
            prop_assert_eq!(domain_allows(&text), DomainPattern::parse(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn the_permission_pattern_is_the_name_rule(text in made_of(NAME, 8)) {
            let name = matcher(&format!("^{}$", permission_name()));
            prop_assert_eq!(name.is_match(&text), validate_name(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn generated_cursors_are_read(text in generated(super::super::audit_api::CURSOR_PATTERN)) {
            prop_assert!(text.is_empty() || AuditCursor::decode(&text).is_some(), "{:?}", text);
        }

        #[test]
        fn generated_leak_links_are_http_links(text in generated(&leak_link_pattern())) {
            let link = url::Url::parse(&text);
            prop_assert!(
                link.is_ok_and(|link| matches!(link.scheme(), "http" | "https")),
                "{:?}",
                text
            );
        }
    }

    const IP: &[&str] = &[
        "0", "1", "00", "01", "255", "256", "ffff", "FFFF", "0000", "00000", "1a", "g", ":", "::",
        ".", "/", "/0", "/8", "/08", "/32", "/33", "/128", "/129", "/008", "/0128", "1.2.3.4", "%",
    ];

    const DOMAIN: &[&str] = &[
        "a",
        "Z",
        "0",
        "-",
        ".",
        "*.",
        "*",
        "_",
        "é",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];

    const NAME: &[&str] = &[
        "a",
        "z",
        "A",
        "0",
        ".",
        "_",
        "-",
        ":",
        "/",
        "é",
        "aaaaaaaaaaaaaaaaaaaaa",
    ];

    fn domain_allows(text: &str) -> bool {
        let items = json_of(domain_whitelist())["items"]["anyOf"].clone();
        items.as_array().unwrap().iter().any(|item| {
            matcher(&pattern(item)).is_match(text)
                && text.chars().count() <= item["maxLength"].as_u64().unwrap() as usize
        })
    }

    fn leak_link_pattern() -> String {
        pattern(&json_of(leak_link())["anyOf"][0])
    }

    #[test]
    fn edges_of_the_lengths() {
        let label = matcher(&pattern(&json_of(label())));
        assert!(label.is_match(&format!(" {} ", "x".repeat(100))));
        assert!(!label.is_match(&"x".repeat(101)));
        let description = matcher(&pattern(&json_of(description())));
        assert!(description.is_match(&format!("\n{}\n", "é".repeat(500))));
        assert!(!description.is_match(&"é".repeat(501)));
        let name = "a".repeat(64);
        assert!(validate_name(&name).is_ok());
        assert!(matcher(&format!("^{}$", permission_name())).is_match(&name));
        assert!(!matcher(&format!("^{}$", permission_name())).is_match(&format!("{name}a")));
        let host = vec!["a".repeat(63); 4].join(".");
        assert_eq!(host.len(), 255);
        assert!(!domain_allows(&host));
        assert!(domain_allows(&host[2..]));
        assert!(domain_allows(&format!("*.{}", &host[2..])));
        assert!(!domain_allows(&format!("*.{host}")));
    }
}
