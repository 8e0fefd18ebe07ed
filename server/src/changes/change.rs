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
}

/// What instances tell each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Change(Change),
    /// Nothing changed: an instance checking that it hears its own notifications, and
    /// telling the others it is there.
    Heartbeat,
    /// The sender has applied another instance's change with this sequence number.
    Applied {
        instance: u64,
        sequence: u64,
    },
    /// The sender is stopping: nobody is to wait for it any more.
    Leaving,
}

/// A message as one instance sent it: which instance, and its own sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub instance: u64,
    pub sequence: u64,
    pub message: Message,
}

impl Envelope {
    /// `<instance hex> <sequence> <message>`, at most a hundred bytes: far inside the 8,000
    /// bytes a notification may carry.
    pub fn encode(&self) -> String {
        let message = match &self.message {
            Message::Change(Change::Token(hash)) => {
                format!("token {}", hex::encode(hash.as_bytes()))
            }
            Message::Change(Change::User(id)) => format!("user {id}"),
            Message::Change(Change::Policy) => "policy".to_owned(),
            Message::Change(Change::AllTokens) => "all-tokens".to_owned(),
            Message::Change(Change::Session(id)) => format!("session {id}"),
            Message::Heartbeat => "heartbeat".to_owned(),
            Message::Leaving => "leaving".to_owned(),
            Message::Applied { instance, sequence } => format!("applied {instance:x}:{sequence}"),
        };
        format!("{:x} {} {message}", self.instance, self.sequence)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        let instance = u64::from_str_radix(words.next()?, 16).ok()?;
        let sequence = words.next()?.parse().ok()?;
        let message = match (words.next()?, words.next()) {
            ("token", Some(hash)) => {
                Change::Token(SecretHash::from_bytes(&hex::decode(hash).ok()?)?).into()
            }
            ("user", Some(id)) => Change::User(id.parse().ok()?).into(),
            ("session", Some(id)) => Change::Session(id.parse().ok()?).into(),
            ("policy", None) => Change::Policy.into(),
            ("all-tokens", None) => Change::AllTokens.into(),
            ("heartbeat", None) => Message::Heartbeat,
            ("leaving", None) => Message::Leaving,
            ("applied", Some(of)) => {
                let (instance, sequence) = of.split_once(':')?;
                Message::Applied {
                    instance: u64::from_str_radix(instance, 16).ok()?,
                    sequence: sequence.parse().ok()?,
                }
            }
            _ => return None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(Self {
            instance,
            sequence,
            message,
        })
    }
}

impl From<Change> for Message {
    fn from(change: Change) -> Self {
        Self::Change(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_survives_its_text() {
        for message in [
            Change::Token(SecretHash::of("a secret")).into(),
            Change::User(42).into(),
            Change::Policy.into(),
            Change::AllTokens.into(),
            Change::Session(-7).into(),
            Message::Heartbeat,
            Message::Leaving,
            Message::Applied {
                instance: u64::MAX,
                sequence: u64::MAX,
            },
        ] {
            let envelope = Envelope {
                instance: u64::MAX,
                sequence: 9,
                message,
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
            "ff 1 applied",
            "ff 1 applied ff",
            "ff 1 applied ff:x",
        ] {
            assert_eq!(Envelope::decode(text), None, "{text:?}");
        }
    }
}
