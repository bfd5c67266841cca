"""The addon's settings object (lib/config.py), without Odoo: every setting's default stated once, values
parsed the way Settings stores them, anything unreadable taken as the default."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import ROOT, load_mapping_lib

lib = load_mapping_lib()
from document_digitize_lib import client, config  # noqa: E402  (registered by load_mapping_lib)

Config = config.DigitizeConfig


def from_params(**values):
    """A config from system parameters as Odoo stores them (strings; a missing key reads as False)."""
    params = {f"document_digitize.{key}": value for key, value in values.items()}
    return Config.from_params(lambda key: params.get(key, False))


def test_a_database_without_settings_gets_the_defaults():
    cfg = from_params()
    assert cfg == Config()
    assert (cfg.timeout, cfg.batch_size, cfg.max_attempts, cfg.tolerance, cfg.confidence_threshold) == \
        (600, 5, 5, 0.0, 0.5)
    assert not (cfg.tls or cfg.auto_mail or cfg.mail_split or cfg.create_partner or cfg.share_partners)
    assert cfg.mapping_options().fallback_product_id is None
    assert cfg.mapping_options(company_id=3).partner_company_id == 3, "created partners are the company's own"
    assert from_params(share_partners="True").mapping_options(company_id=3).partner_company_id is None


def test_values_are_parsed_as_settings_writes_them():
    cfg = from_params(endpoint="ocr:50051", tls="True", timeout="120", batch_size=" 10 ", max_attempts="3",
                      auto_mail="True", mail_split="False", create_partner="1", tolerance="0.02",
                      confidence_threshold="0.7")
    assert (cfg.endpoint, cfg.tls, cfg.timeout, cfg.batch_size, cfg.max_attempts) == ("ocr:50051", True, 120, 10, 3)
    assert (cfg.auto_mail, cfg.mail_split, cfg.create_partner) == (True, False, True)
    assert (cfg.tolerance, cfg.confidence_threshold) == (0.02, 0.7)
    options = cfg.mapping_options(price_digits=4, fallback_product_id=7)
    assert (options.create_partner, options.confidence_threshold, options.fallback_product_id, options.price_digits) \
        == (True, 0.7, 7, 4)


@pytest.mark.parametrize("name,raw", [
    ("timeout", "ten"), ("timeout", "1.5"), ("timeout", "0"), ("batch_size", "-1"), ("batch_size", ""),
    ("max_attempts", "0"), ("tolerance", "a cent"), ("tolerance", "-0.5"), ("confidence_threshold", "nan"),
    ("confidence_threshold", "1.5"), ("batch_size", "five"), ("tls", ""),
])
def test_an_unreadable_value_is_the_default(name, raw):
    assert getattr(from_params(**{name: raw}), name) == Config.default(name)


def test_fallback_products_are_not_database_wide_settings():
    """A fallback product is one company's product: a setting shared by every company gave company B's orders
    company A's product. It is a field of each company (res.company), never read from the parameters."""
    names = {f.name for f in dataclasses.fields(Config)}
    assert not {name for name in names if "fallback" in name}
    assert from_params(purchase_fallback_product_id="42").mapping_options().fallback_product_id is None


def test_each_default_is_stated_once_and_settings_use_it():
    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    assert Config.default("timeout") == defaults["timeout"] == 600
    # the Settings form takes its defaults from DigitizeConfig, never a number of its own
    source = (ROOT / "odoo_addons" / "document_digitize" / "models" / "res_config_settings.py").read_text()
    assert "default=600" not in source and "default=5" not in source and 'DEFAULT("timeout")' in source


def test_the_sidecar_settings_come_from_settings_else_the_environment(tmp_path):
    environ = {"DOCUMENT_DIGITIZE_ENDPOINT": "env-host:1", "DOCUMENT_DIGITIZE_TOKEN": "from-env"}
    settings = from_params(timeout="30").endpoint_settings(environ)
    assert (settings.endpoints, settings.token, settings.timeout, settings.tls) == (("env-host:1",), "from-env", 30.0,
                                                                                    False)
    settings = from_params(endpoint="a:1,b:2", token="saved").endpoint_settings(environ, max_timeout=10)
    assert (settings.endpoints, settings.token, settings.timeout) == (("a:1", "b:2"), "saved", 10.0)
    token_file = tmp_path / "token"
    token_file.write_text("secret\n")
    assert config.env_value("token", {"DOCUMENT_DIGITIZE_TOKEN_FILE": str(token_file)}) == "secret"
    with pytest.raises(client.PermanentError, match="cannot be read"):
        config.env_value("tls_key", {"DOCUMENT_DIGITIZE_TLS_KEY": str(tmp_path / "missing.key")})
    with pytest.raises(client.PermanentError, match="No sidecar endpoint"):
        from_params().endpoint_settings({})
