//! The audit trail's vocabulary: what happened, to what kind of thing, and who did it. Stored
//! as short words, shown as sentences.

use serde::{Deserialize, Serialize};

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    TokenCreated,
    TokenRotated,
    TokenExpired,
    TokenDeactivated,
    TokenReactivated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 5] = [
        Self::TokenCreated,
        Self::TokenRotated,
        Self::TokenExpired,
        Self::TokenDeactivated,
        Self::TokenReactivated,
    ];

    /// How it is stored, and named in filters and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreated => "token.created",
            Self::TokenRotated => "token.rotated",
            Self::TokenExpired => "token.expired",
            Self::TokenDeactivated => "token.deactivated",
            Self::TokenReactivated => "token.reactivated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }

    /// As a history lists it: "Created".
    pub fn words(self) -> &'static str {
        match self {
            Self::TokenCreated => "Created",
            Self::TokenRotated => "Rotated",
            Self::TokenExpired => "Expired",
            Self::TokenDeactivated => "Deactivated",
            Self::TokenReactivated => "Reactivated",
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    /// Someone signed in, in the browser.
    User,
    /// A personal access token, through the API.
    Token,
    /// Tessera itself, for a reason the event names: a policy, or time.
    System,
}

impl ActorKind {
    pub const ALL: [ActorKind; 3] = [Self::User, Self::Token, Self::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// What kind of thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    Token,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 1] = [Self::Token];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_and_none_is_shared() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        for kind in SubjectKind::ALL {
            assert_eq!(SubjectKind::parse(kind.as_str()), Some(kind));
        }
        let mut stored: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        stored.sort_unstable();
        stored.dedup();
        assert_eq!(stored.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("token.deleted"), None);
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
