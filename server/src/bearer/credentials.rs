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

/// The Authorization header and query string come straight from whoever calls the API:
/// every value gets a refusal a client can act on, and a real token always gets through.
#[cfg(test)]
mod properties {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn valid_token() -> impl Strategy<Value = String> {
        any::<u64>()
            .prop_map(|seed| PlainToken::generate(&mut StdRng::seed_from_u64(seed)).into_secret())
    }

    /// "bearer" in any letter case.
    fn bearer_scheme() -> impl Strategy<Value = String> {
        "[bB][eE][aA][rR][eE][rR]"
    }

    fn header_with(value: &[u8]) -> Option<HeaderMap> {
        let value = HeaderValue::from_bytes(value).ok()?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value);
        Some(headers)
    }

    /// The refusals a caller may get from reading a header: none of them a server error.
    fn is_a_clear_refusal(error: &ApiError) -> bool {
        matches!(
            error,
            ApiError::MissingCredentials | ApiError::InvalidRequest(_) | ApiError::InvalidToken
        )
    }

    fn header_like_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..80),
            "[ -~\t]{0,80}".prop_map(String::into_bytes),
            ("[bB]earer {1,3}", "[ -~]{0,60}")
                .prop_map(|(scheme, rest)| format!("{scheme}{rest}").into_bytes()),
            (
                bearer_scheme(),
                valid_token(),
                any::<prop::sample::Index>(),
                any::<u8>()
            )
                .prop_map(|(scheme, token, position, byte)| {
                    let mut value = format!("{scheme} {token}").into_bytes();
                    let at = position.index(value.len());
                    value[at] = byte;
                    value
                }),
        ]
    }

    proptest! {
        #[test]
        fn any_header_is_a_token_or_a_clear_refusal(value in header_like_bytes()) {
            // Values http itself refuses (line breaks, NUL) never reach us.
            let Some(headers) = header_with(&value) else {
                return Ok(());
            };
            match bearer_token(&headers, None) {
                Ok(token) => {
                    let secret = token.into_secret();
                    prop_assert!(value.ends_with(secret.as_bytes()));
                    prop_assert!(value[..6].eq_ignore_ascii_case(b"bearer"));
                    prop_assert!(value[6..value.len() - secret.len()].iter().all(|&b| b == b' '));
                }
                Err(error) => prop_assert!(is_a_clear_refusal(&error), "{error:?}"),
            }
        }

        #[test]
        fn any_query_string_is_read_without_panicking(
            query in any::<String>(),
            token in valid_token(),
        ) {
            let headers = header_with(format!("Bearer {token}").as_bytes()).unwrap();
            match bearer_token(&headers, Some(&query)) {
                Ok(found) => prop_assert_eq!(found.into_secret(), token),
                Err(error) => prop_assert_eq!(
                    error,
                    ApiError::InvalidRequest(
                        "Send the token in the Authorization header, never in the URL."
                    )
                ),
            }
        }

        #[test]
        fn a_token_in_the_query_string_is_always_refused(
            before in "([a-z_]{1,8}=[a-zA-Z0-9]{0,8}&){0,3}",
            token in valid_token(),
            send_a_header in any::<bool>(),
        ) {
            let query = format!("{before}access_token={token}");
            let headers = if send_a_header {
                header_with(format!("Bearer {token}").as_bytes()).unwrap()
            } else {
                HeaderMap::new()
            };
            prop_assert!(matches!(
                bearer_token(&headers, Some(&query)),
                Err(ApiError::InvalidRequest(_))
            ));
        }

        #[test]
        fn a_token_after_bearer_in_any_case_reads_back_as_itself(
            scheme in bearer_scheme(),
            spaces in " {1,4}",
            token in valid_token(),
        ) {
            let headers = header_with(format!("{scheme}{spaces}{token}").as_bytes()).unwrap();
            let found = bearer_token(&headers, None).unwrap();
            prop_assert_eq!(found.into_secret(), token);
        }

        #[test]
        fn a_token_with_one_character_changed_is_an_invalid_token(
            token in valid_token(),
            position in 0..app::rules::token::TOKEN_LEN,
            replacement in "[0-9A-Za-z]",
        ) {
            let mut changed = token.clone().into_bytes();
            let replacement = replacement.as_bytes()[0];
            prop_assume!(changed[position] != replacement);
            changed[position] = replacement;
            let mut value = b"Bearer ".to_vec();
            value.extend_from_slice(&changed);
            prop_assert_eq!(
                bearer_token(&header_with(&value).unwrap(), None).err(),
                Some(ApiError::InvalidToken)
            );
        }

        #[test]
        fn another_scheme_carries_no_bearer_credentials(
            scheme in "[A-Za-z][A-Za-z0-9-]{0,12}",
            credentials in "[ -~]{0,60}",
        ) {
            prop_assume!(!scheme.eq_ignore_ascii_case("bearer"));
            let value = format!("{scheme} {credentials}");
            prop_assert_eq!(
                bearer_token(&header_with(value.as_bytes()).unwrap(), None).err(),
                Some(ApiError::MissingCredentials)
            );
        }

        #[test]
        fn bytes_outside_visible_text_are_unreadable(
            scheme in bearer_scheme(),
            token in valid_token(),
            position in any::<prop::sample::Index>(),
            byte in 0x80..=0xffu8,
        ) {
            let mut value = format!("{scheme} {token}").into_bytes();
            let at = position.index(value.len());
            value[at] = byte;
            prop_assert_eq!(
                bearer_token(&header_with(&value).unwrap(), None).err(),
                Some(ApiError::InvalidRequest("The Authorization header is not readable text."))
            );
        }

        #[test]
        fn b64token_syntax_is_checked_without_panicking(
            text in proptest::collection::vec(any::<u8>(), 0..40)
        ) {
            let body = match text.iter().rposition(|&b| b != b'=') {
                Some(last) => &text[..=last],
                None => &[][..],
            };
            let expected = !body.is_empty()
                && body.iter().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b));
            prop_assert_eq!(is_b64token(&text), expected);
        }
    }
}
