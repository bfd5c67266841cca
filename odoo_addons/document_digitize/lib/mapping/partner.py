"""The partner steps of :class:`~.DocumentMapper`: find the vendor/customer (VAT id → IBAN → name → e-mail
domain), never ourselves; say what to create when it is unknown, and which bank account the bill is paid to."""

from __future__ import annotations

from typing import Iterable, Optional

from ..catalog import PartnerCandidate
from ..normalize import Document, Party
from ..text import ReviewItem, compact, core_name, fold, name_similarity
from .result import PARTNER_CONFIDENCE, MappingResult


class PartnerSteps:
    """``prepare_partner`` and what it calls; uses the mapper's ``catalog``, ``company``, ``current``, ``options``,
    ``role``, ``partner_label``, ``target`` and ``review``."""

    def prepare_partner(self, document: Document, party: Party, result: MappingResult) -> None:
        partner, method = self.match_partner(party)
        result.partner, result.partner_match = partner, method
        current_id = self.current.get("partner_id")
        if partner:
            self.check_partner(party, partner, method)
        if current_id:
            if partner and partner.id != current_id:
                self.review.append(ReviewItem(
                    "kept_value", f"{self.partner_label.capitalize()}: kept the one already set; the document "
                    f"points to {partner.name}.", "partner_id"))
        elif partner:
            result.header["partner_id"] = partner.id
            if PARTNER_CONFIDENCE.get(method) == "suggestion":
                self.review.append(self.suggestion_item(party, partner, method))
        elif party.is_empty():
            self.review.append(ReviewItem(
                "partner_missing", f"The document names no {self.partner_label}: select one.", self.role,
                serious=True))
        elif self._own_found:
            self.review.append(self.own_partner_item(party))
        elif not self._own_party:  # never a new partner with our own VAT id
            self.prepare_partner_creation(party, result)
        if self.target == "vendor_bill":
            self.prepare_bank_account(party, current_id or (partner.id if partner else None), result)

    def match_partner(self, party: Party) -> tuple[Optional[PartnerCandidate], str]:
        """VAT → IBAN → exact then fuzzy name → email domain; the first conclusive step wins."""
        if party.is_empty():
            return None, ""
        if party.vat:
            own = {compact(self.company.vat)} if self.company.vat else set()
            if own & set(party.vat.variants):
                self.review.append(ReviewItem(
                    "own_company", f"The {self.role}'s VAT id {party.vat.compact} is your own company's: seller "
                    f"and buyer may be swapped on the document. Select the {self.partner_label} by hand.",
                    f"{self.role}.vat", serious=True))
                self._own_party = True
                return None, ""
            found = self._pick(self.catalog.partners_by_vat(list(party.vat.variants)), party, "VAT id")
            if found:
                return found, "vat"
        if party.iban and party.iban_valid is not False:
            found = self._pick(self.catalog.partners_by_iban(party.iban), party, "bank account")
            if found:
                return found, "iban"
        if party.name:
            found, method = self.match_partner_by_name(party)
            if found:
                return found, method
        if party.email_domain and not self._own_domain(party.email_domain):
            found = self._pick(self.catalog.partners_by_email_domain(party.email_domain), party, "email domain")
            if found:
                return found, "email_domain"
        return None, ""

    def _own_domain(self, domain: str) -> bool:
        """An address of ours (the company's, a user's, our mail alias), or of a subdomain of ours."""
        return any(domain == own or domain.endswith("." + own) for own in self.company.own_email_domains)

    def suggestion_item(self, party: Party, partner: PartnerCandidate, method: str) -> ReviewItem:
        """A partner only suggested (a similar name, the e-mail's domain): a person confirms it."""
        label = self.partner_label.capitalize()
        if method == "email_domain":
            return ReviewItem(
                "partner_email_domain", f"{label} {partner.name} was guessed from the e-mail domain "
                f"{party.email_domain} of “{party.email}”: check it.", f"{self.role}.email", serious=True)
        return ReviewItem(
            "partner_fuzzy", f"{label} {partner.name} was guessed from a similar name (“{party.name}”, "
            f"{self._name_score:.0f} % alike): check it.", f"{self.role}.name", serious=True)

    def own_partner_item(self, party: Party) -> ReviewItem:
        """The document's partner matched only ourselves: a user's or a company's partner of this database."""
        names = ", ".join(p.name for p in list(self._own_found.values())[:3])
        return ReviewItem(
            "partner_is_own", f"“{party.name or party.email or '?'}” on the document matches only {names}, one of "
            f"your own companies or users, which cannot be the {self.partner_label}: seller and buyer may be "
            f"swapped on the document. Select the {self.partner_label}.", self.role, serious=True)

    def match_partner_by_name(self, party: Party) -> tuple[Optional[PartnerCandidate], str]:
        candidates = self._others(self.catalog.partners_by_name(party.name))
        if not candidates:
            return None, ""
        folded, core = fold(party.name), core_name(party.name)
        exact = [p for p in candidates if fold(p.name) == folded]
        if not exact and core:
            exact = [p for p in candidates if core_name(p.name) == core]
        if exact:
            return self._pick(exact, party, "name"), "name"
        scored = sorted(((name_similarity(party.name, p.name), p) for p in candidates), key=lambda s: -s[0])
        best_score, best = scored[0]
        if best_score < self.options.fuzzy_threshold:
            return None, ""
        if len(scored) > 1 and scored[1][0] > best_score - 5:
            self._ambiguous(party, [best, scored[1][1]], "similar name")
            return None, ""
        self._name_score = best_score  # said by ``suggestion_item`` when the partner is written
        return best, "fuzzy_name"

    def _is_own(self, partner: PartnerCandidate) -> bool:
        return partner.is_own or partner.id == self.company.partner_id

    def _others(self, partners: Iterable[PartnerCandidate]) -> list[PartnerCandidate]:
        """The candidates that are not ourselves (those are kept aside for ``own_partner_item``), once each."""
        seen, result = set(), []
        for partner in partners:
            if partner.id in seen:
                continue
            seen.add(partner.id)
            if self._is_own(partner):
                self._own_found.setdefault(partner.id, partner)
            else:
                result.append(partner)
        return result

    def _pick(self, partners: Iterable[PartnerCandidate], party: Party, how: str) -> Optional[PartnerCandidate]:
        candidates = self._others(partners)
        if len(candidates) > 1:
            companies = [p for p in candidates if p.company_type == "company"]
            candidates = companies or candidates
        if len(candidates) > 1 and party.name:
            scored = sorted(((name_similarity(party.name, p.name), p) for p in candidates), key=lambda s: -s[0])
            if scored[0][0] > scored[1][0]:
                candidates = [scored[0][1]]
        if len(candidates) > 1:
            self._ambiguous(party, candidates, how)
            return None
        return candidates[0] if candidates else None

    def _ambiguous(self, party: Party, candidates: list[PartnerCandidate], how: str) -> None:
        names = ", ".join(p.name for p in candidates[:4])
        self.review.append(ReviewItem(
            "partner_ambiguous", f"Several {self.partner_label}s match the {how} of “{party.name or '?'}” "
            f"({names}): select the right one.", self.role, serious=True))

    def check_partner(self, party: Party, partner: PartnerCandidate, method: str) -> None:
        if party.vat and method != "vat":
            if partner.vat and compact(partner.vat) not in party.vat.variants:
                self.review.append(ReviewItem(
                    "vat_mismatch", f"The document's VAT id {party.vat.compact} differs from {partner.name}'s "
                    f"({partner.vat}): check that this is the right {self.partner_label}.", f"{self.role}.vat",
                    serious=True))
            elif not partner.vat:
                self.review.append(ReviewItem(
                    "vat_missing_on_partner", f"{partner.name} has no VAT id; the document gives "
                    f"{party.vat.compact}: add it to the {self.partner_label} if it is correct.", f"{self.role}.vat"))
        if method == "vat" and party.name and name_similarity(party.name, partner.name) < 60:
            self.review.append(ReviewItem(
                "partner_name_differs", f"{partner.name} was found by VAT id, but the document names "
                f"“{party.name}”: check the {self.partner_label}.", f"{self.role}.name"))

    def prepare_partner_creation(self, party: Party, result: MappingResult) -> None:
        vat = party.vat
        if self.options.create_partner and party.name and vat and vat.valid and self.options.may_create_partner:
            country = party.country_code or vat.country_code
            values = {
                "name": party.name,
                "is_company": True,
                "vat": vat.with_prefix,
                "street": party.street,
                "city": party.city,
                "zip": party.zip,
                "country_id": self.catalog.country_id(country) if country else None,
                "email": party.email,
                "phone": party.phone,
                "customer_rank" if self.target == "sale_order" else "supplier_rank": 1,
                "company_id": self.options.partner_company_id,
            }
            result.partner_to_create = {k: v for k, v in values.items() if v not in (None, "")}
            self.review.append(ReviewItem(
                "partner_created", f"New {self.partner_label} “{party.name}” ({vat.with_prefix}) created from the "
                "document: check its details." + ("" if self.options.partner_company_id else
                                                  " It is shared by all companies (settings)."), self.role))
            return
        reasons = []
        if self.options.create_partner:
            if not party.name:
                reasons.append("the document gives no name")
            if not vat:
                reasons.append("the document gives no VAT id")
            elif not vat.valid:
                reasons.append(f"its VAT id {vat.compact} is not valid" if vat.valid is False
                               else f"its VAT id {vat.compact} cannot be verified")
            if not self.options.may_create_partner:
                reasons.append("the person who asked for it may not create contacts")
            hint = f" It was not created automatically because {' and '.join(reasons)}."
        else:
            hint = f" Turn on “create {self.partner_label}s” in the settings to create it automatically when its VAT id is valid."
        ident = f" (VAT {vat.compact})" if vat else ""
        self.review.append(ReviewItem(
            "partner_not_found", f"No {self.partner_label} found for “{party.name or party.email or '?'}”{ident}: "
            f"select or create it.{hint}", self.role, serious=True))

    def prepare_bank_account(self, party: Party, partner_id: Optional[int], result: MappingResult) -> None:
        if not party.iban or party.iban_valid is False:
            return
        found = self.catalog.partners_by_iban(party.iban)
        owners = self._others(found)
        if partner_id and any(p.id == partner_id for p in owners):
            result.partner_bank_iban = party.iban
        elif not owners and any(self._is_own(p) for p in found):
            self.review.append(ReviewItem(
                "iban_own", f"The bank account {party.iban} on the document is one of your own: it was not added "
                f"to the {self.partner_label}. Check the bank details on the document before paying.",
                f"{self.role}.iban", serious=True))
        elif owners:
            self.review.append(ReviewItem(
                "iban_other_partner", f"The bank account {party.iban} on the document belongs to "
                f"{owners[0].name}, not to this {self.partner_label}: confirm the bank details before paying.",
                f"{self.role}.iban", serious=True))
        elif party.iban_valid and (partner_id or result.partner_to_create) and not self.options.may_add_bank_account:
            self.review.append(ReviewItem(
                "bank_account_not_added", f"The document asks for payment to the bank account {party.iban}, which "
                f"is not among the {self.partner_label}'s; it was not added because the person who asked for the "
                "reading may not create bank accounts. Confirm it with them and have it added before paying.",
                f"{self.role}.iban", serious=True))
        elif party.iban_valid and (partner_id or result.partner_to_create):
            result.bank_account_to_add = {"acc_number": party.iban, "partner_id": partner_id}
            result.partner_bank_iban = party.iban
            if partner_id:
                # A new bank account on a known vendor is how payment fraud looks: always a person's call.
                self.review.append(ReviewItem(
                    "new_bank_account", f"The document asks for payment to a new bank account {party.iban}; it "
                    f"was added to the {self.partner_label}. Confirm it with them before paying.",
                    f"{self.role}.iban", serious=True))
