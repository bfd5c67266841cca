"""The words printed beside values, by what they announce, in English, German, French, Dutch, Spanish and Italian.

A label class is a feature, not a rule: the ranking model learns how much "Total" to the left of an amount, or
"Fällig am" above a date, says about a field (a "Total" row may be a subtotal's; a "Date" may be the delivery's).
Phrases are folded (lower case, no accents) and split into tokens as ``tokens`` splits a printed line, so "N°",
"Nr." and "No." are the tokens ``n``, ``nr``, ``no``; compounds (Rechnungsnummer) are listed as one token.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from ..printed import fold

_CLASSES: dict[str, str] = {
    "number": "no | nr | number | nummer | numero | num | n | # | nro | nummer | no. | nbr",
    "t_invoice": "invoice | rechnung | facture | factuur | factura | fattura | tax invoice | bill | nota fiscal",
    "t_credit": "credit note | credit memo | credit | gutschrift | avoir | creditnota | creditfactuur | nota de credito"
                " | nota di credito | abono | storno | rechnungskorrektur | factura rectificativa | facture d avoir",
    "t_order": "purchase order | order | bestellung | bon de commande | commande | bestelling | inkooporder"
               " | orden de compra | pedido | ordine | ordine di acquisto | auftrag | einkaufsauftrag",
    "t_confirm": "order confirmation | sales order | auftragsbestatigung | bestellbestatigung | confirmation de commande"
                 " | orderbevestiging | confirmacion de pedido | conferma d ordine | conferma ordine",
    "t_receipt": "receipt | quittung | kassenbon | kassenbeleg | ticket de caisse | ticket | recu | kassabon | bon"
                 " | recibo | ricevuta | scontrino | sales receipt | cash receipt",
    "docnum": "rechnungsnummer | rechnungsnr | belegnummer | belegnr | factuurnummer | factuurnr | gutschriftsnummer"
              " | documentnumber | document number | document no | doc no | invoiceno | invoice # | bonnummer"
              " | numero de facture | numero de factura | numero fattura | creditnotanummer"
              " | beleg nr | beleg nummer | rechnungs nr | rechnungs nummer | belegnummer",
    "date": "date | datum | fecha | data | dated | issued | issue date | rechnungsdatum | factuurdatum | belegdatum"
            " | ausstellungsdatum | date d emission | fecha de emision | data emissione | data fattura | date facture"
            " | datum der rechnung | invoice date | fecha factura",
    "due": "due | due date | payment due | due on | fallig | fallig am | faellig | zahlbar bis | zahlungsziel"
           " | falligkeit | falligkeitsdatum | echeance | date d echeance | a payer avant le | vervaldatum | vervaldag"
           " | te betalen voor | vencimiento | fecha de vencimiento | scadenza | data scadenza | pay by | payable by"
           " | payable until | zahlbar bis zum | payment terms | zahlungsbedingungen | conditions de paiement",
    "other_date": "delivery date | lieferdatum | leistungsdatum | date de livraison | leverdatum | fecha de entrega"
                  " | data consegna | order date | bestelldatum | service period | leistungszeitraum | period"
                  " | periode | date de commande | ship date | versanddatum | shipped | delivered | lieferung"
                  " | livraison | levering | entrega | consegna | besteldatum | fecha pedido | data ordine"
                  # the day a program printed the page or a version of it was made: nobody's document date
                  " | version | druckdatum | gedruckt am | printed on | print date | date d impression | imprime le"
                  " | afdrukdatum | afgedrukt op | versie | fecha de impresion | impreso el | data di stampa | stampato il"
                  " | versione",
    "arrival": "arrival | arrival date | check in | checkin | anreise | ankunft | arrivee | date d arrivee | aankomst"
               " | llegada | entrada | arrivo | data di arrivo",
    "departure": "departure | departure date | check out | abreise | depart | date de depart | vertrek | salida"
                 " | partenza | data di partenza",
    "gln": "gln | iln | gtin | ean | global location number | bbn | location number",
    "yourref": "your order | your ref | your reference | po number | po | p o | order ref | order reference"
               " | ihre bestellung | ihr auftrag | ihre referenz | ihr zeichen | bestellnr | bestellnummer | votre commande"
               " | votre reference | v ref | uw bestelling | uw referentie | uw kenmerk | bestelnummer | su pedido"
               " | su referencia | referencia pedido | vs ordine | vostro ordine | vs rif | customer po | buyer reference",
    "payref": "payment reference | verwendungszweck | reference de paiement | communication | communication structuree"
              " | betalingskenmerk | mededeling | referencia de pago | causale | please quote | reference | referenz"
              " | ref | kenmerk | riferimento | referencia | remittance | zahlungsreferenz"
              # a sentence asking for it: "Please use the following communication for your payment: 2023090970"
              " | for your payment | with your payment | when paying | bei zahlung | bei der zahlung | bei uberweisung"
              " | pour votre paiement | lors de votre paiement | bij uw betaling | bij betaling | para su pago"
              " | en su pago | per il pagamento | causale del pagamento",
    "customer": "customer | customer no | kunde | kunden | kundennummer | kundennr | client | n client | klant"
                " | klantnummer | klantnr | cliente | codice cliente | account | account no | debtor | debitor"
                " | debitorennummer | numero client",
    "vatid": "vat no | vat id | vat reg | vat number | vat reg no | ust idnr | ustidnr | ust id | ust id nr | uid"
             " | n tva | tva intracom | numero de tva | tva intracommunautaire | btw nr | btwnummer | btw nummer"
             " | btw id | nif | cif | nif cif | p iva | partita iva | tax id | vat registration | mwst nr | tva n"
             " | gstin | gst no | gst number | gst registration"
             # tax ids of countries without a VAT id's prefix: a US EIN, an Indian TIN
             " | tin | vat tin | tax id no | tax id number | taxpayer id | ein | federal tax id"
             " | tax identification number",
    "taxno": "steuernummer | stnr | st nr | siret | siren | kvk | kvk nr | registration | handelsregister | hrb"
             " | company no | company number | rcs | codice fiscale | reg no | registergericht | amtsgericht | ape"
             " | naf | cbe | rpr | rea | reg nr | registernummer | registrierungsnummer | registration no"
             " | registration number | handelsregisternummer | numero d enregistrement | registratienummer",
    "iban": "iban",
    "bank": "bic | swift | bank | bankverbindung | banque | bank account | kontonummer | blz | rib | banca | banco"
            " | account number | sort code | routing",
    "subtotal": "subtotal | sub total | net | net amount | net total | total net | netto | nettobetrag | summe netto"
                " | zwischensumme | total ht | montant ht | ht | sous total | subtotaal | totaal excl | excl"
                " | exclusief | base imponible | imponibile | totale imponibile | total excl vat | total before tax"
                " | amount excl | warenwert | gesamt netto | netto bedrag | base | importe neto | total hors taxes",
    "tax": "vat | tax | total vat | vat amount | mwst | ust | umsatzsteuer | steuer | tva | montant tva | total tva"
           " | btw | totaal btw | iva | cuota iva | totale iva | sales tax | gst | imposta | mehrwertsteuer | taxes"
           " | impuesto",
    "total": "total | totaal | totale | gesamt | gesamtbetrag | total ttc | ttc | grand total | total amount"
             " | invoice total | rechnungsbetrag | endbetrag | bruttobetrag | brutto | summe | montant ttc"
             " | totaal incl | incl | total factura | importe total | totale documento | totale fattura"
             " | gesamtsumme | total eur | total general | totaalbedrag | total a pagar",
    "amount_due": "amount due | balance due | balance | to pay | total due | amount payable | zahlbetrag | zu zahlen"
                  " | offener betrag | restbetrag | net a payer | a payer | reste a payer | te betalen | openstaand"
                  " | importe a pagar | a pagar | da pagare | netto a pagare | saldo | please pay | payable"
                  " | noch zu zahlen | montant du",
    "paid": "paid | prepaid | deposit | anzahlung | bereits bezahlt | abzuglich | acompte | deja paye | aanbetaling"
            " | betaald | anticipo | pagado | pagato | cash | change | bar | ruckgeld | rendu | wisselgeld | cambio"
            " | resto | tendered | card | karte | visa | mastercard | payment | zahlung | paiement | betaling | pago",
    "discount": "discount | rabatt | skonto | remise | escompte | korting | descuento | sconto | nachlass",
    "shipping": "shipping | freight | versand | versandkosten | fracht | porto | frais de port | verzending"
                " | verzendkosten | envio | portes | spedizione | trasporto | delivery charge",
    "column": "quantity | qty | menge | anzahl | quantite | qte | aantal | cantidad | cant | q ta | quantita | qta"
              " | unit price | price | preis | einzelpreis | prix unitaire | prix | prijs | precio | prezzo"
              " | prezzo unitario | amount | betrag | montant | bedrag | importe | importo | description"
              " | bezeichnung | beschreibung | designation | omschrijving | descripcion | descrizione | article"
              " | artikel | item | pos | unit | einheit | unite | eenheid | unidad | rate | satz | taux | tarief"
              " | tipo | aliquota",
    "seller_hint": "from | seller | supplier | vendor | lieferant | verkaufer | fournisseur | vendeur | leverancier"
                   " | proveedor | fornitore | issued by | emetteur | absender | rechnungsersteller | rechnungssteller"
                   " | rechnungsaussteller | leistungserbringer | auftragnehmer | sold by | billed by | invoice from"
                   " | prestataire | verkoper | vendedor | emisor | venditore | cedente | cedente prestatore"
                   # the account's holder, whom a bill's payment goes to
                   " | account holder | account name | kontoinhaber | titulaire du compte | rekeninghouder"
                   " | ten name van | titular de la cuenta | intestatario | intestato a",
    "field_name": "name | firma | company | company name | raison sociale | naam | bedrijfsnaam | nombre"
                  " | razon social | nome | ragione sociale | denominazione | address | anschrift | adresse | adres"
                  " | direccion | indirizzo | street | strasse | contact | kontakt | ansprechpartner",
    "section": "bemerkungen | notes | remarks | positionsdaten | line items | belegsummen | totals | summary"
               " | zahlungsinformationen | payment details | payment information | conditions | remarques"
               " | opmerkingen | observaciones | note | details | angaben",
    "buyer_hint": "bill to | billed to | invoice to | sold to | buyer | rechnungsempfanger | rechnungsadresse"
                  " | empfanger | facture a | facturer a | adresse de facturation | destinataire | factuuradres"
                  " | factureren aan | facturar a | destinatario | fatturare a | intestatario | to | customer"
                  " | kunde | client | klant | cliente | acheteur | koper | comprador | acquirente | attn"
                  " | kaufer | kaeufer | auftraggeber | besteller | rechnungsempfaenger | leistungsempfanger"
                  " | invoicee | afnemer | receptor | cessionario | cessionario committente | committente"
                  " | z hd | zu handen | a l attention de | t a v | ter attentie van | all attenzione di"
                  " | a la atencion de",
    "ship_hint": "ship to | shipped to | deliver to | delivered to | delivery address | shipping address"
                 " | lieferadresse | lieferanschrift | warenempfanger | lieferung an | livre a"
                 " | adresse de livraison | livrer a | afleveradres | leveradres | direccion de entrega"
                 " | indirizzo di consegna | destinazione | consignee",
    "page": "page | seite | pagina | blad | pag",
    "currency": "currency | wahrung | rechnungswahrung | devise | monnaie | valuta | moneda | divisa",
    "contact": "tel | phone | telefon | fax | telephone | telefono | mobile | gsm | email | e mail | mail | web | www"
               " | internet | website | fon | tfno",
}
CLASSES: tuple[str, ...] = tuple(_CLASSES)

_TOKEN = re.compile(r"#|[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """A printed text's folded tokens: "N°" → ["n"], "Ust-IdNr.:" → ["ust", "idnr"], "Invoice #" → ["invoice", "#"]."""
    return _TOKEN.findall(fold(text).replace("°", "").replace("º", ""))


def _phrases() -> dict[tuple[str, ...], list[str]]:
    out: dict[tuple[str, ...], list[str]] = {}
    for name, phrases in _CLASSES.items():
        for phrase in phrases.split("|"):
            key = tuple(tokens(phrase))
            if key and name not in out.setdefault(key, []):
                out[key].append(name)
    return out


PHRASES = _phrases()
LONGEST = max(len(key) for key in PHRASES)
# A compound (German, Dutch) that no phrase lists is read by its parts: the head (its last part) says what the
# word is ("Handelsrechnung", "Teilrechnung" → an invoice title; "Auftragsnummer" → a number), a modifier that is
# a field's word says whose value it is ("Steuerbetrag" → tax; "Bruttosumme" → total). A modifier that is a
# document type's word is left out ("Rechnungssumme" is a sum, not a title) except before a number's word: an
# "Ordernummer" is an order's number, on an invoice the order it answers.
_SINGLE = {key[0]: names for key, names in PHRASES.items() if len(key) == 1}
_HEAD_MIN, _MODIFIER_MIN = 4, 3


@lru_cache(maxsize=65536)
def compound(token: str) -> tuple[str, ...]:
    """The label classes of a compound token no phrase lists (empty when it is not one)."""
    if len(token) < _HEAD_MIN + _MODIFIER_MIN or token in _SINGLE or not token.isalpha():
        return ()
    for cut in range(_MODIFIER_MIN, len(token) - _HEAD_MIN + 1):  # the longest head first
        head = _SINGLE.get(token[cut:])
        if not head:
            continue
        modifier = token[:cut]
        names = list(head)
        for part in (modifier, modifier[:-1] if modifier.endswith("s") else None):
            for name in _SINGLE.get(part or "", []):
                # a document type's word says whose number it is ("Ordernummer", "Auftragsnummer": an order's)
                if (not name.startswith("t_") or "number" in head) and name not in names:
                    names.append(name)
        return tuple(names)
    return ()


def find_labels(line_tokens: list[list[str]]) -> Iterable[tuple[str, int, int]]:
    """(class, first word, last word) of each label phrase on a line given as each word's tokens. A phrase may span
    words ("Invoice" "No.") or lie within one ("Rechnungs-Nr." → rechnungs, nr). The longest phrase starting at a
    token wins; its classes are all given (a "Total" announces a total and, on a tax row, maybe the tax)."""
    flat = [(token, index) for index, word in enumerate(line_tokens) for token in word]
    i = 0
    while i < len(flat):
        key = next((key for size in range(min(LONGEST, len(flat) - i), 0, -1)
                    if (key := tuple(token for token, _ in flat[i:i + size])) in PHRASES), ())
        size = len(key)
        if size < 2 and i + 1 < len(flat) and flat[i + 1][1] == flat[i][1]:
            # a compound printed with a hyphen is its one word ("RECHNUNGS-KORREKTUR", "Kunden-Nr."), where no
            # phrase of several words starts there ("Delivery_Date" stays a delivery date)
            joined = flat[i][0] + flat[i + 1][0]
            names = PHRASES.get((joined,)) or compound(joined)
            if names:
                for name in names:
                    yield name, flat[i][1], flat[i][1]
                i += 2
                continue
        if size:
            for name in PHRASES[key]:
                yield name, flat[i][1], flat[i + size - 1][1]
            i += size
        else:
            for name in compound(flat[i][0]):
                yield name, flat[i][1], flat[i][1]
            i += 1


LEGAL_FORMS = frozenset(
    "gmbh ag kg ohg ug ek ev ltd limited llc inc plc llp corp co sarl sas sa eurl sasu snc bv nv vof sl slu srl spa"
    " srls sapa ab as aps oy oyj kft sro spol sp zoo gbr mbh company cie partners bvba sprl asbl".split())
