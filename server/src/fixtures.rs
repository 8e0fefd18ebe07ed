//! Values the unit tests of several modules build alike.

use app::store::{BearerToken, TokenId, TokenRecord, TokenRestrictions, UserId, UserSummary};
use app::users::Role;
use chrono::Utc;

/// An active token of an ordinary user, as a bearer lookup returns it.
pub fn bearer(token_id: TokenId, user_id: UserId) -> BearerToken {
    BearerToken {
        token: TokenRecord {
            id: token_id,
            user_id,
            label: "t".into(),
            description: String::new(),
            hint: "abcd".into(),
            created_at: Utc::now(),
            expires_at: None,
            expired_at: None,
            expired_by: None,
            expired_unused_days: None,
            expired_leaked: false,
            last_used_at: None,
            last_used_ip: None,
            replaces: None,
            deactivated_until: None,
            deactivated_by: None,
            restrictions: TokenRestrictions::default(),
        },
        owner: UserSummary {
            id: user_id,
            username: "u".into(),
            display_name: "U".into(),
            role: Role::User,
        },
    }
}
