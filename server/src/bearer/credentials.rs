//! Reading a bearer token out of a request, before anything touches the database.

use super::ApiError;
use app::rules::token::PlainToken;
use http::header::AUTHORIZATION;
use http::HeaderMap;

/// The token of a request, per RFC 6750 §2.1. Only the Authorization header is accepted:
/// a token in the URL ends up in logs and browser history, so it is refused outright.
pub fn bearer_token(headers: &HeaderMap, query: Option<&str>) -> Result<PlainToken, ApiError> {
    if query.is_some_and(has_access_token_parameter) {
        return Err(ApiError::InvalidRequest(
            "Send the token in the Authorization header, never in the URL.",
        ));
    }
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(match headers.get_all(AUTHORIZATION).iter().count() {
            0 => ApiError::MissingCredentials,
            _ => ApiError::InvalidRequest("Send exactly one Authorization header."),
        });
    };
    // Read as bytes: a Tessera token's own format check covers every byte it keeps, so a
    // header that holds one needs no separate text validation. Only a refusal looks closer.
    let value = value.as_bytes();
    let (scheme, credentials) = match value.iter().position(|&byte| byte == b' ') {
        Some(space) => (&value[..space], &value[space + 1..]),
        None => (value, &[][..]),
    };
    let credentials = trim_leading_spaces(credentials);
    if scheme.eq_ignore_ascii_case(b"bearer") {
        if let Ok(token) = PlainToken::from_bytes(credentials) {
            return Ok(token);
        }
    }
    Err(refusal(value, scheme, credentials))
}

/// Why a header holds no Tessera token, from the general to the particular.
fn refusal(value: &[u8], scheme: &[u8], credentials: &[u8]) -> ApiError {
    if !value
        .iter()
        .all(|&byte| byte == b'\t' || (b' '..=b'~').contains(&byte))
    {
        return ApiError::InvalidRequest("The Authorization header is not readable text.");
    }
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        // Another scheme (Basic, …) carries no bearer credentials at all.
        return ApiError::MissingCredentials;
    }
    if credentials.is_empty() {
        return ApiError::InvalidRequest("The Authorization header has no token.");
    }
    if !is_b64token(credentials) {
        return ApiError::InvalidRequest("The bearer token is not in b64token syntax.");
    }
    if let Err(reason) = PlainToken::from_bytes(credentials) {
        tracing::debug!(%reason, "malformed bearer token");
    }
    ApiError::InvalidToken
}

fn trim_leading_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

fn has_access_token_parameter(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "access_token")
}

/// RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(text: &[u8]) -> bool {
    let padding = text.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &text[..text.len() - padding];
    !body.is_empty()
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use rand::TryRngCore;

    fn token() -> String {
        PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err()).into_secret()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn read(values: &[&str], query: Option<&str>) -> Result<PlainToken, ApiError> {
        bearer_token(&headers(values), query)
    }

    #[test]
    fn accepts_a_well_formed_token_with_any_scheme_case() {
        let t = token();
        for header in [
            format!("Bearer {t}"),
            format!("bearer {t}"),
            format!("BEARER  {t}"),
        ] {
            assert!(read(&[&header], None).is_ok(), "{header}");
        }
    }

    #[test]
    fn no_header_or_another_scheme_is_missing_credentials() {
        assert_eq!(read(&[], None).unwrap_err(), ApiError::MissingCredentials);
        assert_eq!(
            read(&["Basic dXNlcjpwYXNz"], None).unwrap_err(),
            ApiError::MissingCredentials
        );
    }

    #[test]
    fn malformed_requests_are_invalid_request() {
        let t = token();
        for values in [
            vec!["Bearer".to_owned()],
            vec!["Bearer ".to_owned()],
            vec![format!("Bearer {t} extra")],
            vec!["Bearer a!b".to_owned()],
            vec![format!("Bearer {t}"), format!("Bearer {t}")],
        ] {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            assert!(
                matches!(read(&refs, None), Err(ApiError::InvalidRequest(_))),
                "{values:?}"
            );
        }
    }

    #[test]
    fn token_in_query_string_is_refused_even_with_a_header() {
        let t = token();
        let header = format!("Bearer {t}");
        for query in [format!("access_token={t}"), format!("a=1&access_token={t}")] {
            assert!(matches!(
                read(&[&header], Some(&query)),
                Err(ApiError::InvalidRequest(_))
            ));
        }
        assert!(read(&[&header], Some("page=2")).is_ok());
    }

    #[test]
    fn a_token_of_the_right_length_is_refused_for_its_checksum_or_its_bytes() {
        let t = token();
        let bad_checksum = format!("{}{}", &t[..47], if t.ends_with('A') { 'B' } else { 'A' });
        let not_text = format!("{}\u{e9}", &t[..46]);
        for (candidate, refusal) in [
            (bad_checksum, ApiError::InvalidToken),
            (
                not_text,
                ApiError::InvalidRequest("The Authorization header is not readable text."),
            ),
        ] {
            let mut map = HeaderMap::new();
            let value = format!("Bearer {candidate}");
            map.insert(
                AUTHORIZATION,
                HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
            assert_eq!(
                bearer_token(&map, None).unwrap_err(),
                refusal,
                "{candidate}"
            );
        }
    }

    #[test]
    fn b64token_that_is_not_a_tessera_token_is_invalid_token() {
        let t = token();
        let mut wrong_checksum = t[..47].to_owned();
        wrong_checksum.push(if t.ends_with('A') { 'B' } else { 'A' });
        for candidate in [
            "abc".to_owned(),
            "dGVzdA==".to_owned(),
            wrong_checksum,
            format!("ghp_{}", &t[4..]),
        ] {
            let header = format!("Bearer {candidate}");
            assert_eq!(
                read(&[&header], None).unwrap_err(),
                ApiError::InvalidToken,
                "{candidate}"
            );
        }
    }
}
