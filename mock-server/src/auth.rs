//! HS256 JWTs: the claims seed 000 names (`userId`, `userName`, `email`, `exp`), signing and checking.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use planwire_protocol::UserId;
use serde::{Deserialize, Serialize};

/// The claims of a planwire token.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    /// The user's id, a number or a string.
    pub user_id: UserId,
    /// The user's display name.
    pub user_name: String,
    /// The user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
}

impl Claims {
    /// Time left before the token expires (zero when already past).
    pub fn remaining(&self) -> Duration {
        Duration::from_secs(self.exp).saturating_sub(since_epoch())
    }
}

/// Why a token was refused; `reason()` is the WebSocket close reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No token in the URL, the header or the first frame.
    Missing,
    /// Bad signature, malformed, wrong claims.
    Invalid,
    /// `exp` is past.
    Expired,
    /// No `auth` first frame within `--auth-timeout-ms`.
    Timeout,
    /// `nbf` is in the future.
    NotYetValid,
    /// `exp` is further ahead than `--max-token-lifetime-secs`.
    LifetimeTooLong,
}

impl AuthError {
    /// The close reason / error message.
    pub fn reason(self) -> &'static str {
        match self {
            AuthError::Missing => "missing token",
            AuthError::Invalid => "invalid token",
            AuthError::Expired => "token expired",
            AuthError::Timeout => "auth timeout",
            AuthError::NotYetValid => "token not yet valid",
            AuthError::LifetimeTooLong => "token lifetime too long",
        }
    }
}

/// Signs and checks tokens with one HS256 secret.
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    max_lifetime: Option<Duration>,
}

impl Jwt {
    /// Keys for `secret`; `nbf`, when present, is checked; any lifetime is accepted.
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        Jwt {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            max_lifetime: None,
        }
    }

    /// Refuses tokens whose `exp` is more than `max` ahead (no practical expiry).
    pub fn max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = Some(max);
        self
    }

    /// A token for the user, valid for `ttl`.
    pub fn issue(&self, user_id: UserId, user_name: String, email: Option<String>, ttl: Duration) -> String {
        let exp = since_epoch().as_secs().saturating_add(ttl.as_secs());
        let claims = Claims { user_id, user_name, email, exp };
        // HS256 signing of a serializable struct cannot fail.
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing")
    }

    /// The claims of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        match decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) if data.claims.exp.saturating_mul(1000) <= since_epoch().as_millis() as u64 => Err(AuthError::Expired),
            Ok(data) if self.max_lifetime.is_some_and(|max| data.claims.remaining() > max) => Err(AuthError::LifetimeTooLong),
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(AuthError::Expired),
            Err(e) if matches!(e.kind(), ErrorKind::ImmatureSignature) => Err(AuthError::NotYetValid),
            Err(_) => Err(AuthError::Invalid),
        }
    }
}

/// Parses a CLI/JSON user id: a number when it is one, a string otherwise.
pub fn parse_user_id(raw: &str) -> UserId {
    raw.parse::<i64>().map(UserId::Num).unwrap_or_else(|_| UserId::Str(raw.to_owned()))
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_tampered_ones_do_not() {
        let jwt = Jwt::new("s");
        let t = jwt.issue(UserId::Num(1), "alice".into(), None, Duration::from_secs(60));
        let c = jwt.verify(&t).unwrap();
        assert_eq!((c.user_id, c.user_name.as_str()), (UserId::Num(1), "alice"));
        assert_eq!(Jwt::new("other").verify(&t), Err(AuthError::Invalid));
        assert_eq!(jwt.verify("not.a.token"), Err(AuthError::Invalid));
        let expired = jwt.issue(UserId::Str("u".into()), "x".into(), None, Duration::ZERO);
        assert_eq!(jwt.verify(&expired), Err(AuthError::Expired));
        let forever = jwt.issue(UserId::Num(2), "y".into(), None, Duration::MAX);
        assert_eq!(jwt.verify(&forever).map(|c| c.exp), Ok(u64::MAX));
        let bounded = Jwt::new("s").max_lifetime(Duration::from_secs(3600));
        assert_eq!(bounded.verify(&forever), Err(AuthError::LifetimeTooLong));
        assert!(bounded.verify(&t).is_ok());
    }

    #[test]
    fn bearer_and_user_id_parsing() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(parse_user_id("42"), UserId::Num(42));
        assert_eq!(parse_user_id("u-42"), UserId::Str("u-42".into()));
    }
}
