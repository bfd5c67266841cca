"""What a generated receipt (``receipts.py``) says: the trades, countries and currencies it comes from, its
merchant, what was bought at which rate (``items_of``), and how it prints (``ReceiptStyle``: currency signs, time
formats)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

from . import world as W
from .content import Party, Style, cents_of, party, weighted
from .ids import digits

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


def receipt_style(rng: random.Random, lang: str, country: str, pdf: bool) -> ReceiptStyle:
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


def merchant_of(rng: random.Random, trade: str, lang: str, country: str) -> Party:
    if country in ABROAD:
        habits = ABROAD[country]
        zip_code, city = rng.choice(habits["cities"])
        p = Party("", country, f"{rng.randint(1, 220)} {rng.choice(habits['streets'])}", zip_code, city,
                  [f"{city} {zip_code}" if country == "IN" else f"{zip_code} {city}"])
        p.phone = f"{habits['phone']} {digits(rng, 2)} {digits(rng, 4)} {digits(rng, 4)}"
        last = rng.choice(habits["last"])
        p.vat = gstin(rng, city) if country == "IN" else se_vat(rng)
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


def gstin(rng: random.Random, city: str) -> str:
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


def se_vat(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + digits(rng, 8)
    total = sum(sum(divmod(int(c) * (2 if i % 2 == 0 else 1), 10)) for i, c in enumerate(body))
    return f"SE{body}{(10 - total % 10) % 10}01"


@dataclass
class Bought:
    description: str
    qty: float
    price: int  # cents, as printed (gross; net in the US)
    rate: Optional[float]  # None: outside VAT (a city tax)
    amount: int
    detail: str = ""  # a row under the description: "42.35 l x 1.789"


def items_of(rng: random.Random, trade: str, lang: str, country: str, rates) -> tuple[list[Bought], list[tuple]]:
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
