"""Mutual TLS between Odoo and the sidecar, and the token's protection.

A real sidecar on loopback (the production server, replay engine) that requires a client certificate signed by
a test CA (``OCR_TLS_CLIENT_CA``) and a token; the CA, the server certificate (127.0.0.1/localhost) and the
client certificates are made here with ``cryptography``. The addon's settings are the ones Settings stores.
"""

import json
import os
import tempfile
from pathlib import Path
from unittest.mock import patch

from odoo.addons.document_digitize.lib import client
from odoo.addons.document_digitize.tests.common import DigitizeCase, sidecar_requests
from odoo.addons.document_digitize.tests.pki import TestCA
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import DOCS, NETPRESSE

TOKEN = "tls-test-token"
CLIENT_LOGGER = "odoo.addons.document_digitize.lib.client"


@tagged("post_install", "-at_install")
class TestMutualTls(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.max_attempts", "2")
        cls.env["account.tax"].create({"name": "VAT 20 % (purchase)", "amount": 20.0, "amount_type": "percent",
                                       "type_tax_use": "purchase", "company_id": cls.env.company.id})
        vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        cls.env["res.partner.bank"].create({"acc_number": "FR7610107002450061705231739", "partner_id": vendor.id})
        cls.ca = TestCA()
        cls.client_cert = cls.ca.issue("odoo")
        folder = cls.private_folder("digitize-tls-")
        server = cls.ca.issue("localhost", server=True)
        for name, text in {"server.crt": server.cert_pem, "server.key": server.key_pem,
                           "ca.crt": cls.ca.cert_pem}.items():
            (folder / name).write_text(text)
        cls.tls_sidecar = SidecarThread(engine="replay", documents_dir=DOCS, token=TOKEN,
                                        tls_cert=folder / "server.crt", tls_key=folder / "server.key",
                                        tls_client_ca=folder / "ca.crt")
        cls.addClassCleanup(cls.tls_sidecar.stop)
        cls.tls_target = cls.tls_sidecar.start()

    @classmethod
    def private_folder(cls, prefix):
        """A folder for keys and tokens that is removed, with what it holds, when the tests of this class end."""
        folder = tempfile.TemporaryDirectory(prefix=prefix)  # pylint: disable=consider-using-with
        cls.addClassCleanup(folder.cleanup)
        return Path(folder.name)

    def use_tls_sidecar(self, cert=None, key=None):
        for key_name, value in {"endpoint": self.tls_target, "tls": "True", "ca": self.ca.cert_pem,
                                "token": TOKEN, "tls_cert": cert or "", "tls_key": key or ""}.items():
            self.ICP.set_param(f"document_digitize.{key_name}", value)

    def digitize_bill(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": NETPRESSE.name, "raw": NETPRESSE.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        return bill

    def test_a_bill_is_digitized_through_mutual_tls(self):
        self.use_tls_sidecar(self.client_cert.cert_pem, self.client_cert.key_pem)
        before = sidecar_requests(self.tls_sidecar)
        bill = self.digitize_bill()
        self.assertEqual(bill.digitize_state, "done", bill.digitize_error or bill.digitize_review_html)
        self.assertEqual((bill.ref, bill.amount_total), ("2022089083", 56.02))
        # the draft at once (words reader, on Digitize) and the model's reading (the queue), both over mutual TLS
        self.assertEqual(sidecar_requests(self.tls_sidecar), before + 2)

    def test_pem_pasted_into_a_one_line_field_still_works(self):
        # a password input (the key's field) drops line breaks: the client restores them
        self.use_tls_sidecar(self.client_cert.cert_pem.replace("\n", ""), self.client_cert.key_pem.replace("\n", " "))
        self.assertEqual(self.digitize_bill().digitize_state, "done")

    def assert_refused_handshake(self, bill, before):
        self.assertEqual((bill.digitize_state, bill.digitize_attempts), ("queued", 1), "retried later, not lost")
        self.assertTrue(bill.digitize_error.startswith(f"Attempt 1 of 2 failed ({self.tls_target}: "),
                        bill.digitize_error)
        self.assertIn("Socket closed (with TLS on, this is also how a refused TLS handshake looks: check the CA, the "
                      "client certificate and its key", bill.digitize_error)
        self.assertFalse(bill.invoice_line_ids or bill.ref)
        self.assertEqual(sidecar_requests(self.tls_sidecar), before, "the server never saw a request")

    def test_a_client_without_a_certificate_is_refused(self):
        self.use_tls_sidecar()
        before = sidecar_requests(self.tls_sidecar)
        self.assert_refused_handshake(self.digitize_bill(), before)
        settings = self.env["document.digitize.mixin"]._digitize_endpoint_settings()
        with self.assertRaises(client.TransientError) as refused:
            client.get_info(settings)
        self.assertEqual(refused.exception.code, "UNAVAILABLE")

    def test_a_certificate_from_another_ca_is_refused(self):
        rogue = TestCA("Rogue CA").issue("odoo")
        self.use_tls_sidecar(rogue.cert_pem, rogue.key_pem)
        before = sidecar_requests(self.tls_sidecar)
        self.assert_refused_handshake(self.digitize_bill(), before)

    def test_half_a_client_certificate_or_one_without_tls_is_a_settings_error(self):
        for values, message in [
                ({"tls_key": ""}, "Mutual TLS needs both the client certificate and its private key"),
                ({"tls": ""}, "A client certificate is set but TLS is off")]:
            with self.subTest(values=values):
                self.use_tls_sidecar(self.client_cert.cert_pem, self.client_cert.key_pem)
                for key_name, value in values.items():
                    self.ICP.set_param(f"document_digitize.{key_name}", value)
                before = sidecar_requests(self.tls_sidecar)
                bill = self.digitize_bill()
                self.assertEqual(bill.digitize_state, "error")
                self.assertTrue(bill.digitize_error.startswith(message), bill.digitize_error)
                self.assertEqual(sidecar_requests(self.tls_sidecar), before)

    def test_tls_material_from_the_environment_as_files_or_pem(self):
        folder = self.private_folder("digitize-env-")
        (folder / "client.crt").write_text(self.client_cert.cert_pem)
        (folder / "client.key").write_text(self.client_cert.key_pem)
        for key_name in ("tls", "ca", "tls_cert", "tls_key"):
            self.ICP.set_param(f"document_digitize.{key_name}", "")
        self.ICP.set_param("document_digitize.endpoint", self.tls_target)
        self.ICP.set_param("document_digitize.token", TOKEN)
        environ = {"DOCUMENT_DIGITIZE_TLS": "1", "DOCUMENT_DIGITIZE_TLS_CA": self.ca.cert_pem,
                   "DOCUMENT_DIGITIZE_TLS_CERT": str(folder / "client.crt"),
                   "DOCUMENT_DIGITIZE_TLS_KEY": str(folder / "client.key")}
        with patch.dict(os.environ, environ):
            self.assertEqual(self.digitize_bill().digitize_state, "done")
            with patch.dict(os.environ, {"DOCUMENT_DIGITIZE_TLS_KEY": str(folder / "missing.key")}):
                bill = self.digitize_bill()
        self.assertEqual(bill.digitize_state, "error")
        self.assertTrue(bill.digitize_error.startswith(f"DOCUMENT_DIGITIZE_TLS_KEY names {folder / 'missing.key'}, "
                                                       "which cannot be read"), bill.digitize_error)

    def test_the_token_from_a_secret_file_in_the_environment(self):
        """docker-compose hands the token as a secret file: DOCUMENT_DIGITIZE_TOKEN_FILE."""
        self.use_tls_sidecar(self.client_cert.cert_pem, self.client_cert.key_pem)
        self.ICP.set_param("document_digitize.token", "")
        secret = self.private_folder("digitize-secret-") / "ocr_auth_token"
        secret.write_text(TOKEN + "\n")
        with patch.dict(os.environ, {"DOCUMENT_DIGITIZE_TOKEN": "", "DOCUMENT_DIGITIZE_TOKEN_FILE": str(secret)}):
            self.assertEqual(self.digitize_bill().digitize_state, "done")
            with patch.dict(os.environ, {"DOCUMENT_DIGITIZE_TOKEN_FILE": str(secret) + ".gone"}):
                bill = self.digitize_bill()
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("DOCUMENT_DIGITIZE_TOKEN_FILE names", bill.digitize_error)

    def test_the_client_certificate_and_key_are_for_system_users_only(self):
        self.use_tls_sidecar(self.client_cert.cert_pem, self.client_cert.key_pem)
        accountant = new_test_user(self.env, "digitize_tls_accountant",
                                   groups="account.group_account_manager,base.group_erp_manager")
        admin = self.env.ref("base.user_admin")
        Settings = self.env["res.config.settings"]
        for field_name, param in [("document_digitize_tls_key", "tls_key"), ("document_digitize_tls_cert", "tls_cert"),
                                  ("document_digitize_token", "token")]:
            with self.subTest(field=field_name):
                # as the token: the settings field is for system users, the parameter behind it too
                self.assertEqual(Settings._fields[field_name].groups, "base.group_system")
                with self.assertRaises(AccessError):
                    self.env["ir.config_parameter"].with_user(accountant).get_param(f"document_digitize.{param}")
                with self.assertRaises(AccessError):
                    self.env["ir.config_parameter"].with_user(accountant).search_read(
                        [("key", "=", f"document_digitize.{param}")], ["value"])
                self.assertTrue(Settings.with_user(admin).create({})[field_name])


@tagged("post_install", "-at_install")
class TestTokenWithoutTls(DigitizeCase):
    def test_settings_warn_when_the_token_would_travel_without_tls(self):
        Settings = self.env["res.config.settings"]
        cases = [({"document_digitize_token": "s3cret", "document_digitize_tls": False}, True),
                 ({"document_digitize_token": "s3cret", "document_digitize_tls": True}, False),
                 ({"document_digitize_token": False, "document_digitize_tls": False}, False)]
        for values, warned in cases:
            with self.subTest(values=values):
                self.assertEqual(Settings.new(values).document_digitize_token_insecure, warned)
        with patch.dict(os.environ, {"DOCUMENT_DIGITIZE_TOKEN": "from-compose"}):
            self.assertTrue(Settings.new({"document_digitize_token": False}).document_digitize_token_insecure,
                            "the token docker-compose passes counts too")
        arch = Settings.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="document_digitize_token_warning"', arch)
        self.assertIn("The token would travel without TLS", arch)

    def test_the_client_warns_once_per_channel(self):
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS, token="s3cret")
        self.addCleanup(sidecar.stop)
        target = sidecar.start()  # a new endpoint: a new channel
        self.ICP.set_param("document_digitize.endpoint", target)
        self.ICP.set_param("document_digitize.token", "s3cret")
        settings = self.env["document.digitize.mixin"]._digitize_endpoint_settings()
        with self.assertLogs(CLIENT_LOGGER, "WARNING") as logs:
            for _ in range(3):
                self.assertEqual(client.get_info(settings)["endpoint"], target)
        warnings = [r.getMessage() for r in logs.records if r.levelname == "WARNING"]
        self.assertEqual(warnings, [f"digitize: the sidecar token is sent to {target} without TLS: anyone on the "
                                    "network path can read it. Turn TLS on in Settings > Document digitization."])
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": NETPRESSE.name, "raw": NETPRESSE.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()
        with self.assertNoLogs(CLIENT_LOGGER, "WARNING"):  # same channel: said once
            self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertTrue(json.loads(bill.digitize_json))
