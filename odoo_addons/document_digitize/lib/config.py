"""The digitization settings, each stated once with its default: :class:`DigitizeConfig`.

Odoo keeps them as system parameters ``document_digitize.<name>`` (Settings writes them: booleans as
'True'/'False', numbers as text; a setting never saved is missing). ``DigitizeConfig.from_params(get)``
reads them through any ``get(key) -> str | None`` (Odoo's ``ir.config_parameter.get_param``, a dict's
``get`` in a test) once per run — a scheduled action's batch, a button press, a mail — and the values
are passed down from there. A missing, empty or unreadable value (``"ten"`` for a number, ``0``
documents per batch) is its default, as if the setting had never been saved.

The sidecar's address and credentials may also come from the environment (docker-compose passes them for
a first start): a value saved in Settings wins; see :func:`env_value`.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping, Optional

from . import client
from .mapping import MappingOptions

PREFIX = "document_digitize."


def _setting(default: Any, minimum: Optional[float] = None, maximum: Optional[float] = None):
    return field(default=default, metadata={"minimum": minimum, "maximum": maximum})


@dataclass(frozen=True)
class DigitizeConfig:
    # the sidecar
    endpoint: str = ""  # host:port; several comma-separated (load spread, fail-over), or dns:///name:port
    tls: bool = False
    ca: str = ""  # PEM of the CA that signed the sidecar's certificate (empty: the system's roots)
    tls_cert: str = ""  # mutual TLS: the client certificate (chain) Odoo shows, PEM
    tls_key: str = ""  # and its private key, PEM
    token: str = ""
    timeout: int = _setting(600, minimum=1)  # seconds one extraction may take (deadline of the gRPC call)
    # the queue
    batch_size: int = _setting(5, minimum=1)  # documents per run of the scheduled action
    max_attempts: int = _setting(5, minimum=1)  # tries of a document the sidecar could not read for now
    # mailed documents
    auto_mail: bool = False  # queue a mailed document at once (off: it waits for the Digitize button)
    mail_split: bool = False  # bills: one bill per mailed document (off: one bill per mail)
    # the mapping
    create_partner: bool = False  # create an unknown vendor/customer whose VAT id is valid
    share_partners: bool = False  # a created partner is every company's (off: the document's company's only)
    tolerance: float = _setting(0.0, minimum=0.0)  # accepted difference between Odoo's totals and the document's
    confidence_threshold: float = _setting(0.5, minimum=0.0, maximum=1.0)  # below: review item and form marker
    expense_max_age: int = _setting(90, minimum=1)  # days: an expense's receipt older than this needs review
    # (the fallback products of order lines are per company: fields of res.company, not settings of the database)

    @classmethod
    def from_params(cls, get: Callable[[str], Optional[str]]) -> "DigitizeConfig":
        """The settings as ``get`` has them (keys with :data:`PREFIX`); defaults where missing or unreadable."""
        return cls(**{spec.name: _parse(get(PREFIX + spec.name), spec) for spec in fields(cls)})

    @classmethod
    def default(cls, name: str) -> Any:
        """The default of setting ``name`` (what Settings shows for one never saved)."""
        return cls.__dataclass_fields__[name].default

    def mapping_options(self, price_digits: Optional[int] = None, fallback_product_id: Optional[int] = None,
                        company_id: Optional[int] = None, may_create_partner: bool = True,
                        may_add_bank_account: bool = True, today: Optional[datetime.date] = None) -> MappingOptions:
        """``fallback_product_id``: the record's company's product for order lines whose product is not found;
        ``company_id``: the record's company, which a partner created from the document belongs to unless
        partners are shared; ``may_*``: the rights of the user the document is applied for; ``today``: the day the
        document is read, in the user's time zone (an expense's receipt dated after it is in the future)."""
        return MappingOptions(create_partner=self.create_partner, confidence_threshold=self.confidence_threshold,
                              fallback_product_id=fallback_product_id or None, price_digits=price_digits,
                              partner_company_id=None if self.share_partners else company_id,
                              may_create_partner=may_create_partner, may_add_bank_account=may_add_bank_account,
                              today=today, max_age_days=self.expense_max_age)

    def endpoint_settings(self, environ: Optional[Mapping[str, str]] = None,
                          max_timeout: Optional[float] = None) -> client.EndpointSettings:
        """Where and how to reach the sidecar: Settings first, else the environment (see :func:`env_value`).
        ``max_timeout``: a shorter deadline for this call (the Digitize button's own e-invoice request)."""
        env = os.environ if environ is None else environ
        timeout = float(min(self.timeout, max_timeout) if max_timeout else self.timeout)
        return client.EndpointSettings.parse(
            self.endpoint or env_value("endpoint", env), tls=self.tls or env_flag("tls", env),
            ca_pem=self.ca or env_value("ca", env), cert_pem=self.tls_cert or env_value("tls_cert", env),
            key_pem=self.tls_key or env_value("tls_key", env), token=self.token or env_value("token", env),
            timeout=timeout)


def _parse(raw: Optional[str], spec) -> Any:
    default = spec.default
    text = raw.strip() if isinstance(raw, str) else ""  # Odoo's get_param: False when missing
    if isinstance(default, bool):  # before int: a bool is an int
        return text.lower() in ("true", "1") if text else default
    if isinstance(default, str):
        return raw if isinstance(raw, str) and raw else default
    try:
        value = type(default)(text)
    except ValueError:
        return default
    low, high = spec.metadata.get("minimum"), spec.metadata.get("maximum")
    if value != value or (low is not None and value < low) or (high is not None and value > high):  # NaN too
        return default
    return value


# --- the environment (docker-compose, Kubernetes secrets) ----------------------------------------------

ENV_NAMES = {"endpoint": "DOCUMENT_DIGITIZE_ENDPOINT", "token": "DOCUMENT_DIGITIZE_TOKEN",
             "tls": "DOCUMENT_DIGITIZE_TLS", "ca": "DOCUMENT_DIGITIZE_TLS_CA",
             "tls_cert": "DOCUMENT_DIGITIZE_TLS_CERT", "tls_key": "DOCUMENT_DIGITIZE_TLS_KEY"}


def env_value(key: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The environment's value for setting ``key`` ('' when unset). The CA, client certificate and key may be
    PEM text or the path of a PEM file (read each time, so a renewed certificate is picked up); the token may
    come from a file instead (``DOCUMENT_DIGITIZE_TOKEN_FILE``: a Docker or Kubernetes secret). A file that
    cannot be read is a PermanentError that names it."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_NAMES[key], "")
    token_file = env.get(ENV_NAMES["token"] + "_FILE", "") if key == "token" and not value else ""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as file:
                return file.read().strip()
        except OSError as exc:
            raise client.PermanentError(f"{ENV_NAMES['token']}_FILE names {token_file}, which cannot be read: {exc}",
                                        code="FAILED_PRECONDITION") from None
    if key in ("ca", "tls_cert", "tls_key") and value and "-----BEGIN" not in value:
        try:
            with open(value, encoding="ascii") as file:
                return file.read()
        except (OSError, ValueError) as exc:
            raise client.PermanentError(f"{ENV_NAMES[key]} names {value}, which cannot be read: {exc}",
                                        code="FAILED_PRECONDITION") from None
    return value


def env_flag(key: str, environ: Optional[Mapping[str, str]] = None) -> bool:
    return env_value(key, environ).strip().lower() in ("1", "true", "yes", "on")
