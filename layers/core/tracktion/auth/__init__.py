"""Identity: API keys, JWTs, HMAC signatures, OAuth2 logins, tiers and rate limits."""
