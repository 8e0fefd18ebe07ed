//! What a change event says, and how it travels as a PostgreSQL notification's text.

use app::rules::secret::SecretHash;
use app::store::{SessionId, UserId};

/// Something that changed what a token check, a sign-in, a session check or a form answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The token with this secret hash was created, expired or changed.
    Token(SecretHash),
    /// A user's role, Login Active or Current changed, or their tokens were expired.
    User(UserId),
    /// The company allowlist, the maximum lifetime or the permission catalogue changed (a
    /// permission removed is also taken from every token).
    Policy,
    /// Many tokens at once (demo data).
    AllTokens,
    /// A session was deactivated or signed out.
    Session(SessionId),
    /// Nothing changed: an instance checking that it hears its own notifications.
    Heartbeat,
}

/// A change as one instance sent it: which instance, its own sequence number, and the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub instance: u64,
    pub sequence: u64,
    pub change: Change,
}

impl Envelope {
    /// `<instance hex> <sequence> <change>`, at most a hundred bytes: far inside the 8,000
    /// bytes a notification may carry.
    pub fn encode(&self) -> String {
        let change = match &self.change {
            Change::Token(hash) => format!("token {}", hex::encode(hash.as_bytes())),
            Change::User(id) => format!("user {id}"),
            Change::Policy => "policy".to_owned(),
            Change::AllTokens => "all-tokens".to_owned(),
            Change::Session(id) => format!("session {id}"),
            Change::Heartbeat => "heartbeat".to_owned(),
        };
        format!("{:x} {} {change}", self.instance, self.sequence)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        let instance = u64::from_str_radix(words.next()?, 16).ok()?;
        let sequence = words.next()?.parse().ok()?;
        let change = match (words.next()?, words.next()) {
            ("token", Some(hash)) => {
                Change::Token(SecretHash::from_bytes(&hex::decode(hash).ok()?)?)
            }
            ("user", Some(id)) => Change::User(id.parse().ok()?),
            ("session", Some(id)) => Change::Session(id.parse().ok()?),
            ("policy", None) => Change::Policy,
            ("all-tokens", None) => Change::AllTokens,
            ("heartbeat", None) => Change::Heartbeat,
            _ => return None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(Self {
            instance,
            sequence,
            change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_survives_its_text() {
        for change in [
            Change::Token(SecretHash::of("a secret")),
            Change::User(42),
            Change::Policy,
            Change::AllTokens,
            Change::Session(-7),
            Change::Heartbeat,
        ] {
            let envelope = Envelope {
                instance: u64::MAX,
                sequence: 9,
                change,
            };
            let text = envelope.encode();
            assert!(text.len() < 100, "{text}");
            assert_eq!(Envelope::decode(&text), Some(envelope), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_a_change_is_refused() {
        for text in [
            "",
            "ff",
            "ff 1",
            "zz 1 policy",
            "ff x policy",
            "ff 1 policy extra",
            "ff 1 user",
            "ff 1 user bob",
            "ff 1 token 00",
            "ff 1 token nothex",
            "ff 1 unheard-of",
        ] {
            assert_eq!(Envelope::decode(text), None, "{text:?}");
        }
    }
}
