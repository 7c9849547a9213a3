//! The enrollment link of docs/protocol.md section 8.1.

use signet_protocol::{EnrollmentLink, Error, LinkError};
use url::Url;

fn sample() -> EnrollmentLink {
    EnrollmentLink {
        base_url: Url::parse("https://push.example.com/v1").expect("a valid URL"),
        tenant_id: "7752d28e-e627-4b1b-bb81-b45d68d617bc".into(),
        token: "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFkZDphdXRoZW50aWNhdG9ycyJ9.c2ln".into(),
        user: Some("alice+work@example.com".into()),
        issuer: Some("Example & Co".into()),
    }
}

const FULL: &str = "signet://enroll?v=1&url=https%3A%2F%2Fpush.example.com%2Fv1&tenant=t1&token=tok&user=alice&issuer=Example";

#[test]
fn a_link_formats_and_parses_back_to_itself() {
    let link = sample();
    let text = link.to_string();
    assert!(
        text.starts_with("signet://enroll?v=1&url=https%3A%2F%2Fpush.example.com%2Fv1&tenant=")
    );
    assert_eq!(EnrollmentLink::parse(&text).unwrap(), link);
}

#[test]
fn values_are_percent_encoded() {
    let text = sample().to_string();
    assert!(text.contains("&user=alice%2Bwork%40example.com"), "{text}");
    assert!(text.contains("&issuer=Example%20%26%20Co"), "{text}");
    let parsed = EnrollmentLink::parse(&text).unwrap();
    assert_eq!(parsed.user.as_deref(), Some("alice+work@example.com"));
    assert_eq!(parsed.issuer.as_deref(), Some("Example & Co"));
}

#[test]
fn a_link_without_user_and_issuer_round_trips() {
    let link = EnrollmentLink {
        user: None,
        issuer: None,
        ..sample()
    };
    let text = link.to_string();
    assert!(!text.contains("user=") && !text.contains("issuer="));
    assert_eq!(EnrollmentLink::parse(&text).unwrap(), link);
}

#[test]
fn a_hand_written_link_parses() {
    let link = EnrollmentLink::parse(FULL).unwrap();
    assert_eq!(link.base_url.as_str(), "https://push.example.com/v1");
    assert_eq!(link.tenant_id, "t1");
    assert_eq!(link.token, "tok");
    assert_eq!(link.user.as_deref(), Some("alice"));
    assert_eq!(link.issuer.as_deref(), Some("Example"));
    assert_eq!(FULL.parse::<EnrollmentLink>().unwrap(), link);
}

#[test]
fn a_loopback_http_base_url_is_accepted() {
    let link =
        EnrollmentLink::parse("signet://enroll?v=1&url=http://127.0.0.1:4000/v1&tenant=t&token=k")
            .unwrap();
    assert_eq!(link.base_url.as_str(), "http://127.0.0.1:4000/v1");
}

#[test]
fn unknown_fields_are_ignored() {
    let text = format!("{FULL}&color=blue");
    assert_eq!(
        EnrollmentLink::parse(&text).unwrap(),
        EnrollmentLink::parse(FULL).unwrap()
    );
}

#[test]
fn version_2_is_refused_with_a_clear_error() {
    let error = EnrollmentLink::parse(&FULL.replace("v=1", "v=2")).unwrap_err();
    assert_eq!(
        error,
        Error::UnsupportedLinkVersion {
            version: "2".into()
        }
    );
    assert!(
        error.to_string().contains("version \"2\" is not supported"),
        "{error}"
    );
}

#[test]
fn each_missing_required_field_is_named() {
    for field in ["v", "url", "tenant", "token"] {
        let text: Vec<&str> = FULL
            .split(['?', '&'])
            .filter(|part| !part.starts_with(&format!("{field}=")))
            .collect();
        let text = format!("{}?{}", text[0], text[1..].join("&"));
        assert_eq!(
            EnrollmentLink::parse(&text),
            Err(Error::MissingLinkField { field }),
            "{text}"
        );
    }
}

#[test]
fn an_empty_required_field_counts_as_missing() {
    let text = FULL.replace("token=tok", "token=");
    assert_eq!(
        EnrollmentLink::parse(&text),
        Err(Error::MissingLinkField { field: "token" })
    );
}

#[test]
fn a_non_http_base_url_is_refused() {
    for url in [
        "ftp%3A%2F%2Fexample.com%2Fv1",
        "javascript%3Aalert(1)",
        "file%3A%2F%2F%2Fetc%2Fpasswd",
    ] {
        let text = FULL.replace("https%3A%2F%2Fpush.example.com%2Fv1", url);
        assert_eq!(
            EnrollmentLink::parse(&text),
            Err(Error::InvalidLink {
                reason: LinkError::BaseUrlNotHttp
            }),
            "{text}"
        );
    }
}

#[test]
fn a_base_url_that_is_not_a_url_is_refused() {
    let text = FULL.replace("https%3A%2F%2Fpush.example.com%2Fv1", "not%20a%20url");
    assert_eq!(
        EnrollmentLink::parse(&text),
        Err(Error::InvalidLink {
            reason: LinkError::InvalidBaseUrl
        })
    );
}

#[test]
fn other_schemes_and_paths_are_refused() {
    let cases = [
        (
            FULL.replace("signet://", "https://"),
            LinkError::NotSignetScheme,
        ),
        (FULL.replace("enroll", "approve"), LinkError::NotEnroll),
        (
            FULL.replace("enroll?", "enroll/more?"),
            LinkError::NotEnroll,
        ),
        ("not a link".to_owned(), LinkError::NotAUrl),
    ];
    for (text, reason) in cases {
        assert_eq!(
            EnrollmentLink::parse(&text),
            Err(Error::InvalidLink { reason }),
            "{text}"
        );
    }
}

#[test]
fn a_repeated_field_is_refused() {
    let text = format!("{FULL}&token=other");
    assert_eq!(
        EnrollmentLink::parse(&text),
        Err(Error::InvalidLink {
            reason: LinkError::DuplicateField { field: "token" }
        })
    );
}

#[test]
fn debug_redacts_the_token() {
    let link = sample();
    let debug = format!("{link:?}");
    assert!(!debug.contains(&link.token), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains("push.example.com"), "{debug}");
}
