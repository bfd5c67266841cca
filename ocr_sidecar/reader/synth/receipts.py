"""Till receipts of restaurants, taxis, fuel stations, hotels and shops as an employee brings them for an expense
(issue #35): printed on narrow thermal paper (58 or 80 mm; long ones too), rendered as images — a scan, or a phone
photo (turned, in perspective, unevenly lit, blurred, noisy, JPEG) — or as the born-digital PDF an e-receipt is,
with their gold in the canonical schema (``schema.Document``; document_type "receipt", the seller the merchant,
no buyer). The evaluation set of ``benchmarks/receipts_expenses.py`` and of the VLM's tiling measurement
(``benchmarks/receipt_tiling.py``).

    for sample in receipts(seed=35, count=60):  # or long_receipts(seed, count): 250 mm of paper and more
        sample.content, sample.filename, sample.gold, sample.trade, sample.capture, sample.lang, sample.country
    for sample in word_samples(seed, count):  # synth.Sample word layers, as the words reader's training takes

What varies, drawn per receipt from its own ``random.Random`` (nothing is taken from ``synth.samples``' stream: the
invoices the words reader is trained on are generated as before):
- the merchant's trade (restaurant, taxi, fuel, hotel, shop) and what it sells: dishes and drinks (two rates where
  the country taxes drinks apart), a fare with its distance and extras, litres at a price per litre, nights and
  breakfast with a city tax outside VAT, groceries (long receipts up to 40 items);
- language and country: en (GB, US, IE, IN, SE — Swedish merchants print in English here, as for travellers),
  de (DE, AT, CH), fr (FR, BE, CH), nl (NL, BE), es, it (IT, CH); the currency (EUR, GBP, USD, CHF, INR, SEK) as a
  symbol or code before or after, on the total or every amount, in a label, or nowhere; the country's number,
  date and time formats (14:05, 14:05:33, 2:05 PM, 14h05);
- tax as printed: included in the prices with a summary (a rate table of net, tax and gross, or "incl. 19 % VAT
  1.97" per rate, or none), one or two rates; US sales tax on top of a subtotal; India's GST with its CGST and
  SGST halves; a receipt without tax (a taxi that charges none);
- the payment: cash given and change, or a card slip (masked number, terminal, authorisation code); a customer
  copy, terms and loyalty lines at the foot (long receipts); distractor dates and numbers (a hotel's arrival and
  departure, a taxi's distance, a fuel pump, table and covers);
- the capture (``CAPTURES``): ``pdf`` (a text layer in Courier, as e-receipts are sent), ``scan`` (grey, 200 dpi,
  slightly turned) or ``photo`` (the paper on a table, turned up to 7 degrees, keystone perspective, light falling
  off across the paper, faded thermal print, blur, noise, JPEG 45-85).

The page itself is ``print.Page`` (words placed in mm, as for the synthetic documents), recorded by ``print.Writer``
(a value enters the gold only where a word shows it); ``render`` draws it, ``photograph`` and ``scan`` degrade it,
``pdf_bytes`` writes it as a PDF. ``info`` keeps how it was drawn, among it the body text's size in mm
(``text_mm``) and, for images, in pixels (``text_px``): how tall a text line is, for the tiling measurement.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, Optional

from . import text as T
from . import world as W
from .content import Item, Party, Style, as_amount, cents_of, party, taxes_of, weighted
from .ids import digits
from .print import Page, Writer

TRADES = (("restaurant", 3), ("taxi", 2), ("fuel", 2), ("hotel", 2), ("shop", 3))
CAPTURES = (("photo", 5), ("scan", 2), ("pdf", 2))
# (language, country, weight): the countries of synth's world, and two whose merchants print in English here
LOCALES = (("en", "GB", 4), ("en", "US", 4), ("en", "IE", 1), ("en", "IN", 2), ("en", "SE", 2), ("de", "DE", 5),
           ("de", "AT", 1), ("de", "CH", 2), ("fr", "FR", 4), ("fr", "BE", 1), ("fr", "CH", 1), ("nl", "NL", 3),
           ("nl", "BE", 1), ("es", "ES", 3), ("it", "IT", 3), ("it", "CH", 1))
CURRENCIES = {"GB": "GBP", "US": "USD", "CH": "CHF", "IN": "INR", "SE": "SEK"}  # else EUR
SYMBOLS = {"EUR": ["€"], "GBP": ["£"], "USD": ["$"], "INR": ["₹", "Rs.", "Rs"], "SEK": ["kr"], "CHF": ["Fr."]}
PDF_SYMBOLS = {"INR": ["Rs.", "Rs"]}  # WinAnsi (the PDF's Courier) has no ₹

# The rates each trade charges, by country (the first the main one; a second where drinks or breakfast differ).
# None: no VAT printed (a taxi driver below the threshold). US: sales tax, added; IN: GST, CGST and SGST halves.
RATES = {
    "restaurant": {"DE": (19.0,), "AT": (10.0, 20.0), "CH": (8.1,), "FR": (10.0, 20.0), "BE": (12.0, 21.0),
                   "NL": (9.0, 21.0), "ES": (10.0,), "IT": (10.0, 22.0), "GB": (20.0,), "IE": (13.5, 23.0),
                   "SE": (12.0, 25.0), "IN": (5.0,), "US": (8.875, 6.0, 7.0)},
    "taxi": {"DE": (7.0,), "AT": (10.0,), "CH": (8.1,), "FR": (10.0,), "BE": (6.0,), "NL": (9.0,), "ES": (10.0,),
             "IT": (10.0,), "GB": None, "IE": None, "SE": (6.0,), "IN": (5.0,), "US": None},
    "fuel": {"DE": (19.0,), "AT": (20.0,), "CH": (8.1,), "FR": (20.0,), "BE": (21.0,), "NL": (21.0,), "ES": (21.0,),
             "IT": (22.0,), "GB": (20.0,), "IE": (23.0,), "SE": (25.0,), "IN": (18.0,), "US": (6.0, 7.0)},
    "hotel": {"DE": (7.0, 19.0), "AT": (10.0,), "CH": (3.8,), "FR": (10.0,), "BE": (6.0,), "NL": (9.0,),
              "ES": (10.0,), "IT": (10.0,), "GB": (20.0,), "IE": (9.0,), "SE": (12.0,), "IN": (12.0,),
              "US": (8.875, 6.0)},
    "shop": {"DE": (19.0, 7.0), "AT": (20.0, 10.0), "CH": (8.1, 2.6), "FR": (20.0, 5.5), "BE": (21.0, 6.0),
             "NL": (21.0, 9.0), "ES": (21.0, 10.0), "IT": (22.0, 10.0), "GB": (20.0, 0.0), "IE": (23.0, 13.5),
             "SE": (25.0, 12.0), "IN": (18.0, 5.0), "US": (8.25, 7.0)},
}

NAMES = {
    "restaurant": {"en": ["The Red Lion", "Bistro {last}", "{last}'s Kitchen", "Golden Dragon", "The Olive Tree"],
                   "de": ["Gasthaus {last}", "Restaurant Zum Hirschen", "Brauhaus {last}", "Trattoria Da Mario"],
                   "fr": ["Brasserie {last}", "Le Petit Zinc", "Café de la Gare", "Restaurant Chez {last}"],
                   "nl": ["Eetcafé {last}", "De Gouden Leeuw", "Brasserie {last}", "Restaurant De Kade"],
                   "es": ["Restaurante {last}", "Bar La Esquina", "Taberna {last}", "Casa {last}"],
                   "it": ["Trattoria {last}", "Ristorante Da {last}", "Osteria del Ponte", "Pizzeria {last}"]},
    "taxi": {"en": ["{city} Cabs", "City Taxi", "{last} Cars", "Airport Taxis"],
             "de": ["Taxi {last}", "Taxizentrale {city}", "Funktaxi {city}"],
             "fr": ["Taxi {last}", "Taxis {city}", "Taxi Radio {city}"],
             "nl": ["Taxi {last}", "Taxicentrale {city}"], "es": ["Radio Taxi {city}", "Taxi {last}"],
             "it": ["Radio Taxi {city}", "Taxi {last}"]},
    "fuel": {"en": ["Shell {city}", "BP Service Station", "Esso Express", "Texaco {city}"],
             "de": ["Aral Tankstelle", "Shell Station {city}", "JET Tankstelle", "Esso Station"],
             "fr": ["TotalEnergies Relais {city}", "Station Esso", "Avia {city}"],
             "nl": ["Tango {city}", "Shell {city}", "Esso Express"], "es": ["Repsol {city}", "Cepsa Estación"],
             "it": ["Eni Station {city}", "Q8 {city}", "IP Stazione"]},
    "hotel": {"en": ["The Grand Hotel", "{city} Inn", "Park Hotel {city}", "Premier Lodge"],
              "de": ["Hotel {last}", "Hotel zur Post", "Parkhotel {city}"],
              "fr": ["Hôtel du Commerce", "Hôtel {last}", "Hôtel de la Gare"],
              "nl": ["Hotel De Keizer", "Stadshotel {city}"], "es": ["Hotel {city} Centro", "Hostal {last}"],
              "it": ["Hotel Bellavista", "Albergo {last}", "Hotel {city}"]},
}

FOOD = {"en": ["Burger", "Caesar salad", "Fish and chips", "Soup of the day", "Steak", "Pasta", "Cheesecake"],
        "de": ["Schnitzel", "Tagessuppe", "Salatteller", "Rinderbraten", "Spätzle", "Apfelstrudel", "Flammkuchen"],
        "fr": ["Plat du jour", "Entrecôte", "Salade niçoise", "Soupe à l'oignon", "Croque-monsieur", "Crème brûlée"],
        "nl": ["Dagschotel", "Tomatensoep", "Uitsmijter", "Saté", "Appeltaart", "Bitterballen"],
        "es": ["Menú del día", "Paella", "Tortilla", "Ensalada mixta", "Croquetas", "Flan"],
        "it": ["Coperto", "Pizza Margherita", "Spaghetti", "Risotto", "Tiramisù", "Insalata mista"]}
DRINKS = {"en": ["Coffee", "Sparkling water", "Glass of wine", "Pint of lager", "Cola"],
          "de": ["Kaffee", "Mineralwasser", "Weißbier 0,5l", "Apfelschorle", "Glas Wein"],
          "fr": ["Café", "Eau gazeuse", "Verre de vin", "Bière pression", "Coca"],
          "nl": ["Koffie", "Spa rood", "Glas wijn", "Pils", "Cola"],
          "es": ["Café solo", "Agua con gas", "Copa de vino", "Caña", "Refresco"],
          "it": ["Caffè", "Acqua frizzante", "Calice di vino", "Birra media", "Bibita"]}
WORDS = {  # per language: the trade's own words
    "en": {"fare": "Fare", "extra": "Extras", "km": "Distance", "pump": "Pump", "room": "Room", "night": "nights",
           "breakfast": "Breakfast", "city_tax": "City tax", "arrival": "Arrival", "departure": "Departure",
           "table": "Table", "covers": "Covers", "auth": "Auth code", "fuel": ["Diesel", "Unleaded 95", "Super 98"],
           "time": "Time", "paid": "Paid by card", "guest": "Guest", "copy": "CUSTOMER COPY"},
    "de": {"fare": "Fahrpreis", "extra": "Zuschlag", "km": "Strecke", "pump": "Säule", "room": "Übernachtung",
           "night": "Nächte", "breakfast": "Frühstück", "city_tax": "Kurtaxe", "arrival": "Anreise",
           "departure": "Abreise", "table": "Tisch", "covers": "Gäste", "auth": "Genehmigungs-Nr.",
           "fuel": ["Diesel", "Super E10", "Super E5"], "time": "Uhrzeit", "paid": "Bezahlt mit Karte",
           "guest": "Gast", "copy": "KUNDENBELEG"},
    "fr": {"fare": "Course", "extra": "Supplément", "km": "Distance", "pump": "Pompe", "room": "Chambre",
           "night": "nuits", "breakfast": "Petit-déjeuner", "city_tax": "Taxe de séjour", "arrival": "Arrivée",
           "departure": "Départ", "table": "Table", "covers": "Couverts", "auth": "Autorisation",
           "fuel": ["Gazole", "SP95-E10", "SP98"], "time": "Heure", "paid": "Payé par carte", "guest": "Client",
           "copy": "TICKET CLIENT"},
    "nl": {"fare": "Ritprijs", "extra": "Toeslag", "km": "Afstand", "pump": "Pomp", "room": "Kamer",
           "night": "nachten", "breakfast": "Ontbijt", "city_tax": "Toeristenbelasting", "arrival": "Aankomst",
           "departure": "Vertrek", "table": "Tafel", "covers": "Personen", "auth": "Autorisatie",
           "fuel": ["Diesel", "Euro 95", "Super Plus 98"], "time": "Tijd", "paid": "Betaald met pin",
           "guest": "Gast", "copy": "KLANTENTICKET"},
    "es": {"fare": "Carrera", "extra": "Suplemento", "km": "Distancia", "pump": "Surtidor", "room": "Habitación",
           "night": "noches", "breakfast": "Desayuno", "city_tax": "Tasa turística", "arrival": "Llegada",
           "departure": "Salida", "table": "Mesa", "covers": "Comensales", "auth": "Autorización",
           "fuel": ["Gasóleo A", "Gasolina 95", "Gasolina 98"], "time": "Hora", "paid": "Pagado con tarjeta",
           "guest": "Cliente", "copy": "COPIA CLIENTE"},
    "it": {"fare": "Corsa", "extra": "Supplemento", "km": "Distanza", "pump": "Erogatore", "room": "Camera",
           "night": "notti", "breakfast": "Colazione", "city_tax": "Tassa di soggiorno", "arrival": "Arrivo",
           "departure": "Partenza", "table": "Tavolo", "covers": "Coperti", "auth": "Cod. autorizzazione",
           "fuel": ["Gasolio", "Benzina SP", "Super 98"], "time": "Ora", "paid": "Pagato con carta",
           "guest": "Ospite", "copy": "COPIA CLIENTE"},
}
# Lines at the foot of a receipt that say no value: terms, loyalty schemes, surveys, opening hours.
FOOTER = {
    "en": ["Prices include VAT where applicable", "Returns within 28 days with receipt", "Join our loyalty club",
           "Tell us how we did: survey online", "Open Mon-Sat 8-20, Sun 10-16", "Please retain for your records"],
    "de": ["Preise inkl. gesetzlicher MwSt.", "Umtausch nur mit Kassenbon", "Jetzt Bonuspunkte sammeln",
           "Öffnungszeiten Mo-Sa 8-20 Uhr", "Bewerten Sie uns online", "Es bediente Sie unser Team"],
    "fr": ["Prix TTC en euros", "Echange sous 15 jours avec ticket", "Carte de fidélité: demandez-la",
           "Ouvert du lundi au samedi 8h-20h", "Donnez votre avis en ligne", "Conservez ce ticket"],
    "nl": ["Prijzen inclusief BTW", "Ruilen binnen 14 dagen met bon", "Spaar voor korting met onze klantenpas",
           "Open ma-za 8-20 uur", "Geef uw mening online", "Bewaar deze bon"],
    "es": ["Precios con IVA incluido", "Cambios en 15 días con ticket", "Hazte socio de nuestro club",
           "Abierto de lunes a sábado 9-21", "Valore su experiencia online", "Conserve este ticket"],
    "it": ["Prezzi IVA inclusa", "Cambi entro 14 giorni con scontrino", "Richiedi la carta fedeltà",
           "Aperto lun-sab 8-20", "Lascia una recensione online", "Conservare lo scontrino"],
}
# Countries outside synth's world: their streets, cities and habits, just enough for a merchant's receipt.
ABROAD = {
    "IN": {"streets": ["MG Road", "Park Street", "Linking Road", "Brigade Road", "Connaught Place"],
           "cities": [("560001", "Bengaluru"), ("400050", "Mumbai"), ("110001", "New Delhi"), ("700016", "Kolkata")],
           "dates": {"dd/mm/yyyy": 4, "dd-mm-yyyy": 3, "dd-mon-yyyy": 2, "dd/mm/yy": 1}, "numbers": ((",", ".", 1),),
           "phone": "+91", "tld": "in", "last": ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair"]},
    "SE": {"streets": ["Drottninggatan", "Kungsgatan", "Storgatan", "Vasagatan", "Götgatan"],
           "cities": [("111 52", "Stockholm"), ("411 04", "Göteborg"), ("211 22", "Malmö"), ("753 20", "Uppsala")],
           "dates": {"yyyy-mm-dd": 6, "dd/mm/yyyy": 1, "d mon yyyy": 1}, "numbers": ((" ", ",", 3), ("", ",", 2)),
           "phone": "+46", "tld": "se", "last": ["Andersson", "Johansson", "Karlsson", "Nilsson", "Lindqvist"]},
}
GST_STATES = {"Bengaluru": "29", "Mumbai": "27", "New Delhi": "07", "Kolkata": "19"}


class ReceiptStyle(Style):
    """A receipt's ``Style`` with the currency signs of every receipt currency (₹, Rs., kr, Fr.) and its time
    format."""

    symbol: str = ""
    time_format: str = "24"

    def with_currency(self, text: str) -> str:
        sign = self.symbol or self.currency
        before = self.cur_form.endswith("before")
        glued = before and sign in ("€", "£", "$", "₹") and self.country != "NL"
        return (f"{sign}{text}" if glued else f"{sign} {text}") if before else f"{text} {sign}"

    def currency_word(self) -> str:
        return self.symbol or self.currency

    def time(self, hour: int, minute: int, second: int) -> str:
        if self.time_format == "12":
            return f"{(hour - 1) % 12 + 1}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
        if self.time_format == "h":
            return f"{hour}h{minute:02d}"
        if self.time_format == "secs":
            return f"{hour:02d}:{minute:02d}:{second:02d}"
        return f"{hour:02d}:{minute:02d}"


def _style(rng: random.Random, lang: str, country: str, pdf: bool) -> ReceiptStyle:
    if country in ABROAD:
        habits = ABROAD[country]
        thousands, decimal = weighted(rng, [((t, d), w) for t, d, w in habits["numbers"]])
        date_format = weighted(rng, list(habits["dates"].items()))
    else:
        thousands, decimal = weighted(rng, [((t, d), w) for t, d, w in W.NUMBER_HABITS[country]])
        date_format = weighted(rng, list(W.DATE_HABITS[country].items()))
    currency = CURRENCIES.get(country, "EUR")
    symbols = (PDF_SYMBOLS if pdf else {}).get(currency) or SYMBOLS[currency]
    symbol = rng.choice(symbols) if rng.random() < 0.75 else ""
    first = country in W.SYMBOL_FIRST | {"IN"} if rng.random() < 0.85 else country not in W.SYMBOL_FIRST
    cur_form = ("symbol_" if symbol else "code_") + ("before" if first else "after")
    cur_mode = weighted(rng, (("amounts", 3), ("total", 5), ("label", 1), ("none", 1)))
    st = ReceiptStyle(lang, country, "receipt", thousands, decimal, date_format, currency, cur_mode, cur_form, "",
                      rng.choice(["{r}%", "{r} %", "{r2}%", "{r2} %"]))
    st.symbol = symbol
    twelve = country in ("US", "IN", "GB") and rng.random() < 0.5
    st.time_format = "12" if twelve else "h" if lang == "fr" and rng.random() < 0.3 else weighted(
        rng, (("24", 3), ("secs", 1)))
    return st


def _merchant(rng: random.Random, trade: str, lang: str, country: str) -> Party:
    if country in ABROAD:
        habits = ABROAD[country]
        zip_code, city = rng.choice(habits["cities"])
        p = Party("", country, f"{rng.randint(1, 220)} {rng.choice(habits['streets'])}", zip_code, city,
                  [f"{city} {zip_code}" if country == "IN" else f"{zip_code} {city}"])
        p.phone = f"{habits['phone']} {digits(rng, 2)} {digits(rng, 4)} {digits(rng, 4)}"
        last = rng.choice(habits["last"])
        p.vat = _gstin(rng, city) if country == "IN" else _se_vat(rng)
        p.vat_text = p.vat
        tld = habits["tld"]
    else:
        p = party(rng, country, shop=True)
        last = rng.choice(W.LAST[W.COUNTRY_LANG.get(country, lang)] if country in W.COUNTRY_LANG else W.LAST[lang])
        tld = W.TLD[country]
    if trade != "shop" or country in ABROAD:
        names = NAMES.get(trade, {"en": ["{last} Store", "City Market", "{last} Pharmacy"]})
        template = rng.choice(names.get(lang) or names["en"])
        p.name = template.format(last=last, city=p.city.split(",")[0])
    slug = "".join(ch for ch in p.name.lower().split(" ")[0] if ch.isascii() and ch.isalpha())[:12] or "shop"
    p.web = f"www.{slug}.{tld}"
    return p


def _gstin(rng: random.Random, city: str) -> str:
    """An Indian GSTIN with its check character (mod 36, as stdnum's in_.gstin computes it)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("CPHF") + rng.choice(letters) + digits(rng, 4) \
        + rng.choice(letters)
    body = GST_STATES.get(city, "29") + pan + "1Z"
    total = 0
    for i, ch in enumerate(body):
        value = alphabet.index(ch) * (2 if i % 2 else 1)
        total += value // 36 + value % 36
    return body + alphabet[(36 - total % 36) % 36]


def _se_vat(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + digits(rng, 8)
    total = sum(sum(divmod(int(c) * (2 if i % 2 == 0 else 1), 10)) for i, c in enumerate(body))
    return f"SE{body}{(10 - total % 10) % 10}01"


# --- what a receipt says ------------------------------------------------------------------------------------


@dataclass
class Bought:
    description: str
    qty: float
    price: int  # cents, as printed (gross; net in the US)
    rate: Optional[float]  # None: outside VAT (a city tax)
    amount: int
    detail: str = ""  # a row under the description: "42.35 l x 1.789"


def _items(rng: random.Random, trade: str, lang: str, country: str, rates) -> tuple[list[Bought], list[tuple]]:
    """What was bought, and the distractor rows of the trade (label, value) printed above the items."""
    words, main = WORDS[lang], rates[0] if rates else None
    second = rates[1] if rates and len(rates) > 1 and country not in ("US",) else main
    extra: list[tuple[str, str]] = []
    out: list[Bought] = []

    def cents(low: float, high: float) -> int:
        return cents_of(round(rng.uniform(low, high) * 2, 1) / 2)

    if trade == "restaurant":
        extra.append((words["table"], str(rng.randint(1, 40))))
        if rng.random() < 0.5:
            extra.append((words["covers"], str(rng.randint(1, 6))))
        for _ in range(rng.randint(1, 7)):
            food = rng.random() < 0.55
            price = cents(6, 32) if food else cents(2, 9)
            qty = float(rng.choice([1, 1, 1, 2, 2, 3]))
            out.append(Bought(rng.choice(FOOD[lang] if food else DRINKS[lang]), qty, price, main if food else second,
                              cents_of(qty * price / 100)))
    elif trade == "taxi":
        km = rng.uniform(2, 45)
        extra.append((words["km"], f"{km:.1f} km".replace(".", "," if lang != "en" else ".")))
        fare = cents_of(3.5 + km * rng.uniform(1.6, 2.6))
        out.append(Bought(words["fare"], 1.0, fare, main, fare))
        if rng.random() < 0.35:
            surcharge = cents_of(rng.choice([1.0, 2.5, 3.0, 5.0]))
            out.append(Bought(words["extra"], 1.0, surcharge, main, surcharge))
    elif trade == "fuel":
        extra.append((words["pump"], str(rng.randint(1, 12))))
        litres = round(rng.uniform(12, 65), 2)
        per_litre = cents_of(rng.uniform(1.45, 1.99)) if country not in ("IN", "US", "SE") else \
            {"IN": cents_of(rng.uniform(89, 106)), "US": cents_of(rng.uniform(3.1, 4.9)),
             "SE": cents_of(rng.uniform(17, 21))}[country]
        per_litre_text = f"{per_litre / 100:.3f}" if country != "IN" else f"{per_litre / 100:.2f}"
        amount = cents_of(litres * per_litre / 100)
        out.append(Bought(rng.choice(words["fuel"]), litres, per_litre, main, amount,
                          f"{litres:.2f} l x {per_litre_text}"))
        if rng.random() < 0.3:
            out.append(Bought(rng.choice(W.SHOP[lang]), 1.0, cents(1, 5), second, 0))
            out[-1].amount = out[-1].price
    elif trade == "hotel":
        nights = rng.choice([1, 1, 2, 2, 3, 4])
        price = cents(69, 240) if country not in ("IN", "SE") else cents(2500, 9000) if country == "IN" else \
            cents(900, 2200)
        out.append(Bought(f"{words['room']} {nights} {words['night']}", float(nights), price, main,
                          nights * price))
        if rng.random() < 0.6:
            breakfast = cents(9, 24) if country not in ("IN", "SE") else cents(300, 900) if country == "IN" else \
                cents(120, 220)
            out.append(Bought(words["breakfast"], float(nights), breakfast, second if country == "DE" else main,
                              nights * breakfast))
        if rng.random() < 0.5 and country not in ("US", "IN"):
            city_tax = cents(1, 5) * nights
            out.append(Bought(words["city_tax"], 1.0, city_tax, None, city_tax))
    else:
        count = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 14, 18, 25, 32, 40])
        for _ in range(count):
            qty = float(rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 6]))
            price = cents_of(rng.choice([0.49, 0.99, 1.19, 1.49, 1.99, 2.5, 2.99, 3.5, 4.2, 5.99, 7.9, 12.5, 19.99]))
            if country in ("IN", "SE"):
                price *= 10
            rate = main if rng.random() < 0.6 or len(rates) == 1 else rates[1]
            out.append(Bought(rng.choice(W.SHOP[lang]), qty, price, rate, cents_of(qty * price / 100)))
    return out, extra


# --- printing -----------------------------------------------------------------------------------------------


class TillReceipt(Writer):
    """One receipt on a narrow roll: the merchant, the date and time, the trade's rows, the items, the total, the
    tax as printed, the payment; long ones have many items, a card slip and a footer."""

    def __init__(self, rng: random.Random, st: ReceiptStyle, trade: str, merchant: Party, issue: dt.date,
                 bought: list[Bought], extra: list[tuple], rates, pdf: bool):
        self.trade, self.merchant, self.issue, self.bought, self.extra, self.rates = (
            trade, merchant, issue, bought, extra, rates)
        self.pdf = pdf
        super().__init__(rng, st, SimpleNamespace(doc_type="receipt"))  # type: ignore[arg-type] - no Content

    def label(self, key: str, fresh: bool = False) -> str:
        if key.startswith("title") or key.startswith("number"):
            key = f"{key}.receipt" if f"{key}.receipt" in T.LABELS[self.st.lang] else key
            options = T.LABELS[self.st.lang][key]
            return self.rng.choice(options)
        return self.st.label(self.rng, key, fresh)

    def money(self, cents: int, negative: bool = False, currency: bool = False) -> str:
        if currency:
            self.set("currency", self.st.currency)
        return self.st.amount(cents, False, currency)

    def write(self) -> list[Page]:
        rng, st = self.rng, self.st
        width = rng.choice([58.0, 80.0, 80.0, 80.0]) if not self.pdf else rng.choice([80.0, 100.0])
        mono = self.pdf or rng.random() < 0.75
        s = self.s = rng.uniform(2.4, 3.0) if width > 60 else rng.uniform(2.0, 2.4)
        page = Page(width, 2000.0, 1.0 if mono else rng.uniform(0.9, 1.05), mono)
        self.pages.append(page)
        self.info.update(trade=self.trade, width_mm=width, text_mm=round(s, 3), mono=mono)
        left, right, centre = rng.uniform(2.5, 5), width - rng.uniform(2.5, 5), width / 2
        m, pitch = self.merchant, s * rng.uniform(1.3, 1.6)
        y = rng.uniform(4, 10) + (rng.uniform(8, 25) if rng.random() < 0.4 else 0)  # room for a printed logo
        big = s * rng.uniform(1.3, 1.8)
        y += big
        name = m.name.upper() if rng.random() < 0.4 else m.name
        self.put(name, centre, y, big, "c", True, gold=[("seller.name", name)])
        for line in [m.street, *m.city_line]:
            y += pitch
            self.put(line, centre, y, s, "c")
        self.set_party("seller", m, address=True)
        if rng.random() < 0.6:
            y += pitch
            self.put(f"{self.label('phone')} {m.phone}", centre, y, s, "c")
        vat_label = "GSTIN" if st.country == "IN" else "Org.nr / VAT" if st.country == "SE" else self.label("vat_id")
        if m.vat and rng.random() < 0.85:
            y += pitch
            self.put(f"{vat_label} {m.vat_text}", centre, y, s, "c", gold=[("seller.vat", m.vat)])
        if rng.random() < 0.5:
            y += pitch * 1.5
            self.put(self.label("title"), centre, y, s * 1.2, "c", True)
        # the date and its time: one line, or the date and the time on lines of their own
        hour, minute, second = rng.randint(6, 23), rng.randint(0, 59), rng.randint(0, 59)
        day, clock = st.date(self.issue), st.time(hour, minute, second)
        self.info.update(date=day, time=clock, date_format=st.date_format, time_format=st.time_format)
        date_gold = [("issue_date", self.issue.isoformat())]
        y += pitch * 0.5
        stamp_last = rng.random() < 0.25
        if self.trade == "hotel":
            nights = int(self.bought[0].qty)
            arrival = self.issue - dt.timedelta(days=nights)
            y += pitch
            self.put(f"{WORDS[st.lang]['arrival']}: {st.date(arrival)}", left, y, s)
            y += pitch
            self.put(f"{WORDS[st.lang]['departure']}: {day}", left, y, s, gold=date_gold)
            y += pitch
            self.put(f"{WORDS[st.lang]['room']} {rng.randint(101, 640)}", left, y, s)
            stamp_last = False
        elif not stamp_last:
            y = self.stamp(y, pitch, left, right, day, clock, date_gold)
        if rng.random() < 0.85:
            y += pitch
            number = rng.choice([str(rng.randint(1, 99999)), f"{rng.randint(1, 9)}-{rng.randint(1, 99999):05d}",
                                 f"{rng.randint(1, 99):04d}-{rng.randint(1, 999999):06d}"])
            self.put(f"{self.label('number')} {number}", left, y, s, gold=[("document_number", number)])
            if rng.random() < 0.5:
                self.put(f"{self.label('r.cashier')} {rng.randint(1, 12)}", right, y, s, "r")
        for key, value in self.extra:
            y += pitch
            self.put(f"{key}: {value}", left, y, s)
        y = self.rule(y, pitch, right - left, left)
        y = self.items(y, pitch, left, right)
        y = self.rule(y, pitch, right - left, left)
        y = self.sums(y, pitch, left, right, big)
        if stamp_last:
            y = self.stamp(y, pitch, left, right, day, clock, date_gold)
        y = self.footer(y, pitch, left, right, centre)
        page.height = y + rng.uniform(5, 15)
        self.info["height_mm"] = round(page.height, 1)
        return self.pages

    def stamp(self, y, pitch, left, right, day, clock, gold) -> float:
        rng, words = self.rng, WORDS[self.st.lang]
        form = rng.random()
        y += pitch
        if form < 0.45:
            self.put(f"{day} {clock}", left, y, self.s, gold=gold)
        elif form < 0.7:
            self.put(f"{self.label('date')}: {day}", left, y, self.s, gold=gold)
            self.put(f"{words['time']}: {clock}", right, y, self.s, "r")
        else:
            self.put(f"{self.label('date')}: {day}", left, y, self.s, gold=gold)
            y += pitch
            self.put(f"{words['time']}: {clock}", left, y, self.s)
        return y

    def rule(self, y: float, pitch: float, width: float, left: float) -> float:
        if self.rng.random() < 0.4:
            return y + pitch * 0.5
        page = self.pages[-1]
        char = self.rng.choice("-=*")
        self.put(char * max(3, int(width / page.measure(char, self.s)) - 1), left, y + pitch, self.s)
        return y + pitch * 1.3

    def items(self, y: float, pitch: float, left: float, right: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        rates = sorted({b.rate for b in self.bought if b.rate is not None}, reverse=True)
        self.codes = {rate: "ABCD"[k] for k, rate in enumerate(rates)}
        show_codes = st.country != "US" and (len(rates) > 1 and rng.random() < 0.7 or rng.random() < 0.15)
        qty_above = rng.random() < 0.5
        lines = []
        for b in self.bought:
            line = {"description": b.description, "amount": as_amount(b.amount)}
            amount = self.money(b.amount, currency=st.cur_mode == "amounts")
            if show_codes and b.rate is not None:
                amount += f" {self.codes[b.rate]}"
            if b.detail:
                y += pitch
                self.put(b.description, left, y, s)
                self.put(amount, right, y, s, "r")
                y += pitch
                self.put(b.detail, left + s, y, s)
                line.update(quantity=b.qty, unit_price=round(b.price / 100, 3))
            else:
                if b.qty > 1 and self.trade != "hotel":
                    line.update(quantity=b.qty, unit_price=as_amount(b.price))
                    text = f"{st.qty(b.qty)} x {st.amount(b.price)}"
                    if qty_above:
                        y += pitch
                        self.put(text, left + s, y, s)
                y += pitch
                self.put(b.description, left, y, s)
                if b.qty > 1 and self.trade != "hotel" and not qty_above:
                    self.put(text, left + (right - left) * 0.5, y, s)
                self.put(amount, right, y, s, "r")
            lines.append(line)
        self.set("lines", lines)
        self.show_codes = show_codes
        self.info["lines"] = len(lines)
        return y

    def sums(self, y: float, pitch: float, left: float, right: float, big: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        goods = sum(b.amount for b in self.bought)
        taxed = [b for b in self.bought if b.rate is not None]
        us, india = st.country == "US", st.country == "IN"
        taxes: list[tuple[float, int, int]] = []
        if taxed and self.rates is not None:
            items = [Item(b.description, "", "", b.qty, "", b.price, 0.0, b.rate, b.amount) for b in taxed]
            taxes = taxes_of(items, [], gross=not us)
            if us:
                taxes = taxes[:1]  # one sales tax rate on the whole subtotal
                rate = taxes[0][0]
                taxes = [(rate, goods, cents_of(goods / 100 * rate / 100))]
        total_tax = sum(t for _, _, t in taxes)
        total = goods + (total_tax if us else 0)
        self.info.update(rates=[r for r, _, _ in taxes], total=as_amount(total))
        if us:
            y += pitch
            self.put(self.label("r.subtotal"), left, y, s)
            self.put(st.amount(goods), right, y, s, "r", gold=[("subtotal", as_amount(goods))])
            if taxes:
                rate, _, tax = taxes[0]
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r", gold=[("total_tax", as_amount(tax))])
                self.set("taxes", [{"rate": rate, "base": as_amount(goods), "amount": as_amount(tax)}])
        label = self.label("r.total")
        if st.cur_mode == "label":
            label = f"{label} {st.currency_word()}"
            self.set("currency", st.currency)
        y += pitch * 1.4
        self.put(label, left, y, big, bold=True)
        self.put(self.money(total, currency=st.cur_mode in ("amounts", "total")), right, y, big, "r", True,
                 gold=[("total", as_amount(total))])
        y = self.payment(y, pitch, left, right, total)
        if us or not taxes:
            self.info["tax_form"] = "sales tax" if us and taxes else "none"
            if not taxes and rng.random() < 0.5 and not us:  # "no VAT charged": a tax of nothing, printed
                y += pitch
                self.put(f"{self.label('r.tax')} 0{st.decimal}00", left, y, s, gold=[("total_tax", 0.0)])
            return y
        if india:
            self.info["tax_form"] = "gst"
            for rate, _, tax in taxes:
                half, other = tax // 2, tax - tax // 2
                y += pitch
                self.put(f"GST {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r")
                for name, part in (("CGST", half), ("SGST", other)):
                    y += pitch
                    self.put(f"{name} @{st.pct(rate / 2)}", left + s, y, s)
                    self.put(st.amount(part), right, y, s, "r")
            self.set("taxes", [{"rate": r, "amount": as_amount(t)} for r, _, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
            return y
        form = rng.random()
        if form < 0.55:  # a table: code/rate, net, tax, gross
            self.info["tax_form"] = "table"
            heads = T.LABELS[st.lang]["rate_head"]
            ends = [left + (right - left) * f for f in (0.25, 0.5, 0.75, 1.0)]
            y += pitch * 1.5
            for k, head in enumerate(heads):
                self.put(head, ends[k], y, s * 0.9, "r")
            for rate, base, tax in taxes:
                y += pitch
                code = f"{self.codes[rate]} " if self.show_codes else ""
                for k, text in enumerate((code + st.pct(rate), st.amount(base), st.amount(tax),
                                          st.amount(base + tax))):
                    self.put(text, ends[k], y, s, "r")
            self.set("taxes", [{"rate": r, "base": as_amount(b), "amount": as_amount(t)} for r, b, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
        elif form < 0.9:  # "incl. 19% VAT 1.97" per rate
            self.info["tax_form"] = "per rate"
            for rate, _, tax in taxes:
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r")
            self.set("taxes", [{"rate": r, "amount": as_amount(t)} for r, _, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
        else:
            self.info["tax_form"] = "not printed"
        return y

    def payment(self, y: float, pitch: float, left: float, right: float, total: int) -> float:
        rng, st, s = self.rng, self.st, self.s
        y += pitch * 0.5
        if rng.random() < 0.35 and self.trade != "hotel":
            self.info["payment"] = "cash"
            given = max(total, total + rng.choice([0, 1, 5, 10, 20, 50]) * 100 - total % 100)
            for key, value in (("r.cash", given), ("r.change", given - total)):
                y += pitch
                self.put(self.label(key), left, y, s)
                self.put(st.amount(value), right, y, s, "r")
            return y
        self.info["payment"] = "card"
        y += pitch
        self.put(self.label("r.card") if rng.random() < 0.7 else WORDS[st.lang]["paid"], left, y, s)
        self.put(st.amount(total), right, y, s, "r")
        y += pitch
        self.put("*" * 12 + digits(rng, 4), left, y, s)
        if rng.random() < 0.6:
            y += pitch
            self.put(f"{WORDS[st.lang]['auth']}: {digits(rng, 6)}", left, y, s)
        for _ in range(rng.randint(0, 2)):
            y += pitch
            self.put(f"{self.label('r.terminal', fresh=True)}: {digits(rng, rng.choice([6, 8]))}", left, y, s)
        return y

    def footer(self, y: float, pitch: float, left: float, right: float, centre: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        long = rng.random() < 0.3  # a card slip again as the customer's copy, and terms: a long receipt
        if long:
            y += pitch * 2
            self.put(WORDS[st.lang]["copy"], centre, y, s, "c", True)
            y += pitch
            self.put(f"{self.label('r.card', fresh=True)} {st.amount(cents_of(self.info['total']))}", left, y, s)
            y += pitch
            self.put(f"{st.date(self.issue)} {self.info['time']}", left, y, s)
            y += pitch
            self.put(f"AID A0000000{digits(rng, 6)}", left, y, s)
            for _ in range(rng.randint(3, 8)):
                y += pitch
                self.put(rng.choice(T.LABELS[st.lang]["r.thanks"]), centre, y, s * 0.9, "c")
        for text in [self.label("r.thanks")] + ([self.merchant.web] if rng.random() < 0.4 else []):
            y += pitch
            self.put(text, centre, y, s, "c")
        notes = FOOTER[st.lang]
        for text in rng.sample(notes, rng.randint(0, len(notes))):  # terms, loyalty, survey: paper, not values
            y += pitch
            self.put(text, centre, y, s * 0.9, "c")
        if rng.random() < 0.4:  # the till's own line: register, transaction and a long number under a barcode
            y += pitch * 1.5
            self.put(f"{digits(rng, 4)} {digits(rng, 2)} {digits(rng, 6)} {digits(rng, 4)}", centre, y, s * 0.9, "c")
        self.info["long"] = long
        return y


# --- a receipt drawn and captured ------------------------------------------------------------------------------


@dataclass
class ReceiptSample:
    name: str
    content: bytes  # the file: PNG (scan), JPEG (photo) or PDF
    filename: str
    gold: dict
    trade: str
    capture: str  # pdf, scan or photo
    lang: str
    country: str
    currency: str
    info: dict = field(default_factory=dict)  # how it was printed and captured (sizes in mm and px, formats)
    printed: list[str] = field(default_factory=list)  # the page's words as printed, in order


def draw(rng: random.Random, trade: Optional[str] = None, capture: Optional[str] = None
         ) -> tuple[Page, dict, dict, ReceiptStyle]:
    """One receipt printed (not rendered): its page, gold, what was drawn, and its style."""
    trade = trade or weighted(rng, TRADES)
    capture = capture or weighted(rng, CAPTURES)
    lang, country = rng.choices([(l, c) for l, c, _ in LOCALES], [w for _, _, w in LOCALES])[0]
    st = _style(rng, lang, country, capture == "pdf")
    rates = RATES[trade].get(country)
    if country == "US" and rates:
        rates = (rng.choice(rates),)
    merchant = _merchant(rng, trade, lang, country)
    issue = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
    bought, extra = _items(rng, trade, lang, country, rates or (None,))
    if rates is None:
        for b in bought:
            b.rate = None
    writer = TillReceipt(rng, st, trade, merchant, issue, bought, extra, rates, capture == "pdf")
    page = writer.write()[0]
    info = {"lang": lang, "country": country, "currency": st.currency, "capture": capture, **writer.info}
    return page, writer.gold, info, st


def generate(rng: random.Random, trade: Optional[str] = None, capture: Optional[str] = None,
             name: str = "receipt") -> ReceiptSample:
    """One receipt, printed and captured as a file."""
    page, gold, info, st = draw(rng, trade, capture)
    capture = info["capture"]
    if capture == "pdf":
        content, filename = pdf_bytes(page), f"{name}.pdf"
    else:
        px_per_mm = rng.uniform(7.5, 8.5) if capture == "scan" else rng.uniform(6.0, 11.0)
        longest = 2400 if capture == "scan" else 2600  # a phone photo as a client sends it, downsized
        px_per_mm = min(px_per_mm, longest / page.height)
        image = render(page, px_per_mm, thermal=rng.uniform(0.0, 0.5) if capture == "photo" else 0.1)
        image, pose = (photograph(rng, image) if capture == "photo" else scan(rng, image))
        info.update(px_per_mm=round(px_per_mm, 2), text_px=round(info["text_mm"] * px_per_mm, 1), **pose)
        buffer = io.BytesIO()
        if capture == "photo":
            quality = rng.randint(45, 85)
            image.convert("RGB").save(buffer, "JPEG", quality=quality)
            info["jpeg_quality"], filename = quality, f"{name}.jpg"
        else:
            image.save(buffer, "PNG", optimize=False)
            filename = f"{name}.png"
        info["image_px"] = list(image.size)
        content = buffer.getvalue()
    return ReceiptSample(name, content, filename, gold, info["trade"], capture, info["lang"], info["country"],
                         info["currency"], info, [w.text for w in page.words])


def receipts(seed: int, count: int, trades=None, captures=None) -> Iterator[ReceiptSample]:
    """``count`` receipts from ``seed``: the same seed gives the same receipts (and files)."""
    rng = random.Random(seed)
    for index in range(count):
        trade = rng.choice(trades) if trades else None
        capture = rng.choice(captures) if captures else None
        yield generate(random.Random(rng.getrandbits(64)), trade, capture, name=f"receipt_{seed}_{index:04d}")


def long_receipts(seed: int, count: int, min_mm: float = 250.0, captures=None) -> Iterator[ReceiptSample]:
    """``count`` receipts of at least ``min_mm`` of paper (shops with many items, card slips, terms), from
    ``seed``: receipts are drawn (cheap) until one is that long, and only those are rendered."""
    rng = random.Random(seed)
    found = 0
    while found < count:
        state = rng.getrandbits(64)
        capture = rng.choice(captures) if captures else None
        page = draw(random.Random(state), "shop", capture)[0]
        if page.height >= min_mm:
            yield generate(random.Random(state), "shop", capture, name=f"long_{seed}_{found:04d}")
            found += 1


def word_samples(seed: int, count: int, kinds=("born_digital", "scan", "photo"), weights=(0.3, 0.3, 0.4)):
    """``count`` receipts as ``synth.Sample`` word layers — the page's words captured as ``synth.capture``
    simulates a text layer, a scan's or a photo's OCR (nothing rendered, nothing OCRed) — the form the words
    reader's training set (``train.py``) takes, for a retraining that includes these receipts."""
    from . import Sample, capture

    rng = random.Random(seed)
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        page, gold, info, st = draw(random.Random(rng.getrandbits(64)), capture="pdf" if kind == "born_digital"
                                    else rng.choice(["scan", "photo"]))
        layer, pose = capture(rng, page, kind)
        yield Sample([layer], gold, kind, info["lang"], "receipt",
                     {"country": info["country"], "date_format": st.date_format, "currency": st.cur_mode,
                      "pages": 1, "issuer": "receipt", "header": "receipt", "trade": info["trade"], **pose})


# --- rendering ----------------------------------------------------------------------------------------------

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", "/usr/share/fonts/TTF",
             "/usr/share/fonts/dejavu", "/Library/Fonts")
FONT_FILES = {(True, False): ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"),
              (True, True): ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf"),
              (False, False): ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
              (False, True): ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")}
_FONTS: dict = {}


def _font(mono: bool, bold: bool, px: int):
    """A TrueType font of the system (DejaVu, Liberation), else Pillow's own scalable font."""
    from PIL import ImageFont

    key = (mono, bold, px)
    if key not in _FONTS:
        font = None
        for directory in FONT_DIRS:
            for file in FONT_FILES[(mono, bold)]:
                if (Path(directory) / file).is_file():
                    font = ImageFont.truetype(str(Path(directory) / file), px)
                    break
            if font:
                break
        _FONTS[key] = font or ImageFont.load_default(px)
    return _FONTS[key]


def render(page: Page, px_per_mm: float, thermal: float = 0.0):
    """The printed page as a greyscale image: each word drawn at its place, stretched to the width the layout gave
    it (the layout measures with average glyph widths); ``thermal`` fades the print (0 black, 1 pale)."""
    from PIL import Image

    width, height = max(1, round(page.width * px_per_mm)), max(1, round(page.height * px_per_mm))
    image = Image.new("L", (width, height), 255)
    ink = int(20 + 120 * thermal)
    for word in page.words:
        px = max(6, round(word.size * page.font * px_per_mm))
        bold = False
        font = _font(page.mono, bold, px)
        box = font.getbbox(word.text)
        glyphs = Image.new("L", (max(1, box[2]), max(1, round(px * 1.25))), 255)
        from PIL import ImageDraw

        ImageDraw.Draw(glyphs).text((0, 0), word.text, font=font, fill=ink)
        target = max(1, round((word.x1 - word.x0) * px_per_mm))
        if abs(target - glyphs.width) > 1:
            glyphs = glyphs.resize((target, glyphs.height), Image.BILINEAR)
        top = round(word.base * px_per_mm - font.getmetrics()[0])
        image.paste(glyphs, (round(word.x0 * px_per_mm), top), Image.eval(glyphs, lambda v: 255 - v))
    return image


def scan(rng: random.Random, image):
    """A flatbed scan: turned 0.3-1.5 degrees, a grey cast and a little noise."""
    from PIL import Image, ImageFilter

    degrees = rng.uniform(0.3, 1.5) * rng.choice([-1, 1])
    image = image.rotate(degrees, Image.BICUBIC, expand=True, fillcolor=235)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.6)))
    return _noise(rng, image, rng.uniform(2, 6)), {"angle": round(degrees, 2)}


def photograph(rng: random.Random, image):
    """A phone photo of the paper lying on a table: the paper off-white on a darker ground, turned, in perspective
    (one end nearer the camera), lit unevenly, blurred a little, noisy."""
    import numpy as np
    from PIL import Image, ImageFilter

    paper = Image.eval(image, lambda v: int(v * rng.uniform(0.86, 0.97)) if v > 200 else v)
    w, h = paper.size
    margin_x, margin_y = int(w * rng.uniform(0.08, 0.35)), int(h * rng.uniform(0.03, 0.12))
    ground = rng.randint(60, 150)
    canvas = Image.new("L", (w + 2 * margin_x, h + 2 * margin_y), ground)
    canvas.paste(paper, (margin_x, margin_y))
    degrees = rng.uniform(0.5, 7.0) * rng.choice([-1, 1])
    canvas = canvas.rotate(degrees, Image.BICUBIC, expand=False, fillcolor=ground)
    W_, H_ = canvas.size
    keystone = rng.uniform(0.0, 0.12) * W_  # the far end narrower
    coeffs = _perspective([(0, 0), (W_, 0), (W_, H_), (0, H_)],
                          [(keystone, 0), (W_ - keystone, 0), (W_, H_), (0, H_)])
    canvas = canvas.transform(canvas.size, Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=ground)
    pixels = np.asarray(canvas, dtype=np.float32)
    ys, xs = np.mgrid[0:H_, 0:W_].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xs / W_ - 0.5) * math.cos(angle) + (ys / H_ - 0.5) * math.sin(angle)
    light = 1.0 - rng.uniform(0.1, 0.4) * (ramp + 0.5)
    pixels = pixels * light
    canvas = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3)))
    return _noise(rng, canvas, rng.uniform(4, 10)), {"angle": round(degrees, 2), "keystone": round(keystone / W_, 3)}


def _perspective(target, source) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping ``target`` corners onto ``source`` corners."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in source for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def _noise(rng: random.Random, image, sigma: float):
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


# --- a born-digital PDF ---------------------------------------------------------------------------------------

MM = 72 / 25.4


def pdf_bytes(page: Page) -> bytes:
    """The page as a one-page PDF with a text layer: each word in Courier (WinAnsi), scaled horizontally to the
    width the layout gave it — an e-receipt as a till system sends it."""
    ops = []
    for word in page.words:
        text = word.text.encode("cp1252", "replace")
        escaped = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        size = word.size * page.font * MM
        natural = 0.6 * size * len(word.text)
        scale = 100 * (word.x1 - word.x0) * MM / natural if natural else 100
        x, y = word.x0 * MM, (page.height - word.base) * MM
        ops.append(b"BT /F1 %.2f Tf %.1f Tz %.2f %.2f Td (" % (size, scale, x, y) + escaped + b") Tj ET")
    stream = b"\n".join(ops)
    width, height = page.width * MM, page.height * MM
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 5 0 R >>" % (width, height),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
