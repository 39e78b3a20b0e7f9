"""The API key format: prefix, randomness, checksum; only the hash identifies a key."""

from __future__ import annotations

from tracktion.auth import keys


def test_minted_keys_have_the_documented_shape():
    live, test = keys.mint("live"), keys.mint("test")

    assert live.secret.startswith("tk_live_") and test.secret.startswith("tk_test_")
    assert len(live.secret) == len("tk_live_") + 32 + 6
    assert live.key_prefix == live.secret[:12]
    assert live.key_hash == keys.hash_key(live.secret) and live.secret not in live.key_hash
    assert keys.is_well_formed(live.secret) and keys.is_well_formed(test.secret)


def test_every_single_character_typo_fails_the_checksum():
    secret = keys.mint().secret
    for pos in range(len("tk_live_"), len(secret)):
        replacement = "a" if secret[pos] != "a" else "b"
        assert not keys.is_well_formed(secret[:pos] + replacement + secret[pos + 1 :])


def test_truncated_or_foreign_strings_are_not_keys():
    secret = keys.mint().secret

    assert not keys.is_well_formed(secret[:-1])
    assert not keys.is_well_formed(secret + "x")
    assert not keys.is_well_formed("tk_prod_" + secret[8:])
    assert not keys.is_well_formed(secret.replace("tk_live_", "tk_test_"))


def test_two_keys_never_collide():
    assert len({keys.mint().secret for _ in range(200)}) == 200
