"""The world the synthetic documents of ``synth.py`` come from: countries and their habits (numbers, dates,
VAT rates, currencies), company and person names, streets and cities, banks and account formats, registration
numbers, goods and services with their units. Written from general knowledge, never from evaluation documents.
"""

from __future__ import annotations

from ..people import GIVEN

# Where a language's documents come from (country code, weight); the locale picks number and date habits.
COUNTRIES = {
    "en": (("GB", 4), ("US", 4), ("IE", 1)),
    "de": (("DE", 6), ("AT", 2), ("CH", 1)),
    "fr": (("FR", 6), ("BE", 2), ("CH", 1), ("LU", 1)),
    "nl": (("NL", 3), ("BE", 1)),
    "es": (("ES", 1),),
    "it": (("IT", 5), ("CH", 1)),
}

COUNTRY_NAMES = {
    "en": {"GB": "United Kingdom", "US": "USA", "IE": "Ireland", "DE": "Germany", "FR": "France", "NL": "Netherlands",
           "BE": "Belgium", "ES": "Spain", "IT": "Italy", "AT": "Austria", "CH": "Switzerland", "LU": "Luxembourg"},
    "de": {"GB": "Großbritannien", "US": "USA", "IE": "Irland", "DE": "Deutschland", "FR": "Frankreich",
           "NL": "Niederlande", "BE": "Belgien", "ES": "Spanien", "IT": "Italien", "AT": "Österreich",
           "CH": "Schweiz", "LU": "Luxemburg"},
    "fr": {"GB": "Royaume-Uni", "US": "États-Unis", "IE": "Irlande", "DE": "Allemagne", "FR": "France",
           "NL": "Pays-Bas", "BE": "Belgique", "ES": "Espagne", "IT": "Italie", "AT": "Autriche", "CH": "Suisse",
           "LU": "Luxembourg"},
    "nl": {"GB": "Verenigd Koninkrijk", "US": "VS", "IE": "Ierland", "DE": "Duitsland", "FR": "Frankrijk",
           "NL": "Nederland", "BE": "België", "ES": "Spanje", "IT": "Italië", "AT": "Oostenrijk", "CH": "Zwitserland",
           "LU": "Luxemburg"},
    "es": {"GB": "Reino Unido", "US": "EE. UU.", "IE": "Irlanda", "DE": "Alemania", "FR": "Francia",
           "NL": "Países Bajos", "BE": "Bélgica", "ES": "España", "IT": "Italia", "AT": "Austria", "CH": "Suiza",
           "LU": "Luxemburgo"},
    "it": {"GB": "Regno Unito", "US": "USA", "IE": "Irlanda", "DE": "Germania", "FR": "Francia", "NL": "Paesi Bassi",
           "BE": "Belgio", "ES": "Spagna", "IT": "Italia", "AT": "Austria", "CH": "Svizzera", "LU": "Lussemburgo"},
}

# VAT rates by country (the first is the standard rate); US sales tax rates are the state's.
VAT_RATES = {"DE": (19.0, 7.0), "AT": (20.0, 10.0, 13.0), "CH": (8.1, 2.6, 3.8), "FR": (20.0, 10.0, 5.5, 2.1),
             "BE": (21.0, 6.0, 12.0), "NL": (21.0, 9.0), "LU": (17.0, 8.0, 3.0), "ES": (21.0, 10.0, 4.0),
             "IT": (22.0, 10.0, 4.0, 5.0), "GB": (20.0, 5.0), "IE": (23.0, 13.5, 9.0), "US": (8.25, 6.0, 7.0, 8.875)}
CURRENCY = {"GB": "GBP", "US": "USD", "CH": "CHF"}  # every other country here pays in EUR
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}

# Registration numbers and other distractors a footer prints: (label, digit pattern) — "#" a digit, "A" a letter.
REGISTRATIONS = {
    "GB": [("Company No.", "0#######"), ("Registered in England and Wales No.", "########")],
    "US": [("EIN", "##-#######"), ("Tax ID", "##-#######")],
    "IE": [("CRO No.", "######"), ("Company Reg. No.", "######")],
    "DE": [("Steuernummer", "##/###/#####"), ("St.-Nr.", "###/###/#####"), ("Amtsgericht Köln HRB", "#####"),
           ("Handelsregister: HRB", "######"), ("Registergericht München HRB", "######")],
    "AT": [("FN", "######a"), ("Firmenbuch FN", "######b"), ("Steuernummer", "##-###/####")],
    "CH": [("Handelsregister CH-", "###.#.###.###-#"), ("UID-Register", "CHE-###.###.###")],
    "FR": [("SIRET", "### ### ### #####"), ("RCS Paris B", "### ### ###"), ("APE", "####Z"), ("NAF", "####A")],
    "BE": [("RPM Bruxelles", "0###.###.###"), ("RPR Antwerpen", "0###.###.###")],
    "LU": [("RCS Luxembourg B", "######"), ("Matricule", "#### #### ###")],
    "NL": [("KvK", "########"), ("KvK-nummer", "########"), ("Handelsregister", "########")],
    "ES": [("Registro Mercantil de Madrid, Tomo", "#####, Folio ###, Hoja M-######"), ("Inscrita en el R.M. Tomo", "####")],
    "IT": [("REA MI-", "#######"), ("C.F.", "###########"), ("Cap. Soc. i.v.", "##.###"), ("Reg. Imprese", "###########")],
}

# --- people, companies, places ------------------------------------------------------------------------------

FIRST = GIVEN  # people.py: the names the feature name_person knows, drawn from here too
LAST = {"en": "Smith Jones Taylor Brown Williams Wilson Evans Thompson Walker Harris Clarke Hughes Miller Baker".split(),
        "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Bauer Richter Wolf "
              "Schröder Neumann Krüger Hartmann".split(),
        "fr": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Fournier Girard Mercier "
              "Faure".split(),
        "es": "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Navarro "
              "Morales".split()}
LAST["nl"] = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
              "de Boer", "Mulder", "Peeters", "Janssens", "Maes"]
LAST["it"] = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
              "Bruno", "Gallo", "Conti", "De Luca"]

TRADES = {
    "en": ["Engineering", "Supplies", "Consulting", "Logistics", "Print", "Electrical", "Software", "Building Services",
           "Packaging", "Office Solutions", "Catering", "Tools", "Design", "Systems", "Trading"],
    "de": ["Haustechnik", "Elektro", "Metallbau", "Logistik", "Druckerei", "Software", "Bürobedarf", "Maschinenbau",
           "Gebäudereinigung", "Verpackung", "Werkzeuge", "Holzbau", "Medientechnik", "Handel", "IT-Service"],
    "fr": ["Bâtiment", "Informatique", "Transports", "Imprimerie", "Électricité", "Conseil", "Fournitures",
           "Emballages", "Menuiserie", "Services", "Distribution", "Équipements", "Nettoyage"],
    "nl": ["Installatietechniek", "Logistiek", "Drukkerij", "Bouw", "Elektro", "Software", "Kantoorartikelen",
           "Verpakkingen", "Techniek", "Groothandel", "Schoonmaak", "Advies"],
    "es": ["Suministros", "Construcciones", "Transportes", "Informática", "Instalaciones", "Asesoría", "Imprenta",
           "Distribuciones", "Electricidad", "Embalajes", "Maquinaria", "Servicios"],
    "it": ["Forniture", "Costruzioni", "Trasporti", "Informatica", "Impianti", "Consulenze", "Tipografia",
           "Distribuzione", "Elettrotecnica", "Imballaggi", "Meccanica", "Servizi"],
}
# Trade names that read as a phrase, small words in lower case ("Au …", "La casa del …"): a name need not be
# capitalised word by word
PHRASES = {
    "en": ["The Little Print Shop", "House of tools", "All about paper", "The old mill bakery", "Made by hand"],
    "de": ["Zur alten Mühle", "Haus am See", "Kunst und Werk", "Rund ums Rad", "Zum goldenen Anker"],
    "fr": ["Le petit atelier", "La maison du pain", "Aux délices du marché", "Le comptoir des arts", "Les ateliers réunis",
           "À la belle époque", "Chez nous"],
    "nl": ["De gouden sleutel", "Het oude ambacht", "In de vergulde hand", "De groene vlinder", "Bij de molen"],
    "es": ["La casa del papel", "El rincón del sabor", "Los amigos del mar", "La buena mesa", "El taller de arte"],
    "it": ["Il buon gusto", "La bottega del legno", "Al vecchio mulino", "Le delizie di casa", "Il mondo della carta"],
}
INVENTED = ["Nordwind", "Alpina", "Technova", "Brightwater", "Vectura", "Solara", "Optimax", "Lumen", "Kronos",
            "Atlantis", "Meridian", "Polaris", "Helios", "Orbis", "Quadra", "Zenit", "Vertex", "Aurora", "Primus", "Nexa"]
FORMS = {"GB": ["Ltd", "Limited", "Ltd.", "LLP", "PLC"], "US": ["Inc.", "LLC", "Corp.", "Co.", "Inc"],
         "IE": ["Ltd", "Limited", "DAC"], "DE": ["GmbH", "GmbH & Co. KG", "AG", "e.K.", "KG", "UG (haftungsbeschränkt)"],
         "AT": ["GmbH", "Ges.m.b.H.", "AG", "KG"], "CH": ["AG", "GmbH", "SA", "Sàrl"],
         "FR": ["SARL", "SAS", "SA", "EURL", "SASU"], "BE": ["SRL", "SA", "BV", "NV", "BVBA"],
         "LU": ["S.à r.l.", "SA"], "NL": ["B.V.", "BV", "N.V.", "V.O.F."], "ES": ["S.L.", "S.A.", "S.L.U.", "SL"],
         "IT": ["S.r.l.", "S.p.A.", "S.n.c.", "Srl", "S.a.s."]}

# (zip, city) pairs by country; zips are kept as printed (NL "1016 DC", GB "SW1A 1AA", US "CA 94103" → zip 94103)
CITIES = {
    "GB": [("EC1A 1BB", "London"), ("M1 1AE", "Manchester"), ("B1 1AA", "Birmingham"), ("LS1 4AP", "Leeds"),
           ("BS1 5TR", "Bristol"), ("G2 1DY", "Glasgow"), ("EH1 1YZ", "Edinburgh"), ("CB2 1TN", "Cambridge")],
    "US": [("10001", "New York, NY"), ("94103", "San Francisco, CA"), ("60601", "Chicago, IL"), ("78701", "Austin, TX"),
           ("02110", "Boston, MA"), ("98101", "Seattle, WA"), ("30303", "Atlanta, GA"), ("80202", "Denver, CO")],
    "IE": [("D02 X285", "Dublin 2"), ("T12 R2NC", "Cork"), ("H91 E2K5", "Galway"), ("V94 T9PX", "Limerick")],
    "DE": [("10115", "Berlin"), ("80331", "München"), ("50667", "Köln"), ("20095", "Hamburg"), ("60311", "Frankfurt am Main"),
           ("70173", "Stuttgart"), ("04109", "Leipzig"), ("90402", "Nürnberg"), ("28195", "Bremen"), ("01067", "Dresden"),
           ("33602", "Bielefeld"), ("44135", "Dortmund")],
    "AT": [("1010", "Wien"), ("8010", "Graz"), ("4020", "Linz"), ("5020", "Salzburg"), ("6020", "Innsbruck")],
    "CH": [("8001", "Zürich"), ("3011", "Bern"), ("4051", "Basel"), ("1201", "Genève"), ("1003", "Lausanne"),
           ("6900", "Lugano"), ("6003", "Luzern")],
    "FR": [("75002", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse"), ("33000", "Bordeaux"),
           ("59000", "Lille"), ("44000", "Nantes"), ("67000", "Strasbourg"), ("35000", "Rennes"), ("06000", "Nice")],
    "BE": [("1000", "Bruxelles"), ("2000", "Antwerpen"), ("9000", "Gent"), ("4000", "Liège"), ("3000", "Leuven"),
           ("8000", "Brugge"), ("5000", "Namur")],
    "LU": [("L-1118", "Luxembourg"), ("L-4002", "Esch-sur-Alzette"), ("L-9080", "Ettelbruck")],
    "NL": [("1016 DC", "Amsterdam"), ("3011 AD", "Rotterdam"), ("2511 CV", "Den Haag"), ("3511 LX", "Utrecht"),
           ("5611 AB", "Eindhoven"), ("9711 LM", "Groningen"), ("6811 AA", "Arnhem")],
    "ES": [("28013", "Madrid"), ("08002", "Barcelona"), ("46002", "Valencia"), ("41001", "Sevilla"), ("48001", "Bilbao"),
           ("50001", "Zaragoza"), ("29015", "Málaga")],
    "IT": [("20121", "Milano"), ("00184", "Roma"), ("10121", "Torino"), ("40121", "Bologna"), ("50123", "Firenze"),
           ("80133", "Napoli"), ("35122", "Padova"), ("37121", "Verona")],
}
STREETS = {
    "GB": ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street", "Park Avenue"],
    "US": ["Main Street", "Market Street", "Oak Avenue", "Broadway", "Elm Street", "Commerce Drive", "Lake Shore Drive"],
    "IE": ["Main Street", "Harcourt Street", "Patrick Street", "Shop Street", "O'Connell Street"],
    "DE": ["Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gartenweg", "Schillerstraße", "Am Markt",
           "Lindenallee", "Gewerbepark", "Friedrich-Ebert-Straße", "Mühlenweg"],
    "AT": ["Hauptplatz", "Mariahilfer Straße", "Landstraße", "Bahnhofstraße", "Gewerbestraße"],
    "CH": ["Bahnhofstrasse", "Seestrasse", "Rue du Marché", "Industriestrasse", "Via Nassa", "Dorfstrasse"],
    "FR": ["rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue du Commerce",
           "place de la Gare", "rue des Lilas", "allée des Artisans", "rue Pasteur"],
    "BE": ["Rue de la Loi", "Kerkstraat", "Avenue Louise", "Stationsstraat", "Chaussée de Wavre", "Meir"],
    "LU": ["Rue de la Gare", "Boulevard Royal", "Route d'Arlon", "Avenue de la Liberté"],
    "NL": ["Keizersgracht", "Hoofdstraat", "Kerkstraat", "Stationsweg", "Industrieweg", "Dorpsstraat", "Marktplein"],
    "ES": ["Calle Mayor", "Avenida de la Constitución", "Calle Real", "Paseo de Gracia", "Calle Alcalá",
           "Polígono Industrial Sur, Nave"],
    "IT": ["Via Roma", "Corso Italia", "Via Garibaldi", "Via Mazzini", "Piazza della Repubblica", "Viale Europa",
           "Via dell'Industria"],
}
PHONE_PREFIX = {"GB": "+44", "US": "+1", "IE": "+353", "DE": "+49", "AT": "+43", "CH": "+41", "FR": "+33",
                "BE": "+32", "LU": "+352", "NL": "+31", "ES": "+34", "IT": "+39"}
TLD = {"GB": "co.uk", "US": "com", "IE": "ie", "DE": "de", "AT": "at", "CH": "ch", "FR": "fr", "BE": "be", "LU": "lu",
       "NL": "nl", "ES": "es", "IT": "it"}
BANKS = {"GB": ["Barclays Bank", "HSBC UK", "Lloyds Bank", "NatWest"], "US": ["Chase Bank", "Bank of America"],
         "IE": ["Bank of Ireland", "AIB"], "DE": ["Sparkasse KölnBonn", "Deutsche Bank", "Commerzbank",
                                                  "Volksbank Mittelhessen", "Postbank"],
         "AT": ["Erste Bank", "Raiffeisenbank", "Bank Austria"], "CH": ["UBS Switzerland AG", "PostFinance", "ZKB"],
         "FR": ["Crédit Agricole", "BNP Paribas", "Société Générale", "LCL", "Banque Populaire"],
         "BE": ["KBC", "Belfius", "ING Belgique", "BNP Paribas Fortis"], "LU": ["BGL BNP Paribas", "Spuerkeess"],
         "NL": ["ING Bank", "ABN AMRO", "Rabobank", "Triodos Bank"], "ES": ["Banco Santander", "BBVA", "CaixaBank"],
         "IT": ["Intesa Sanpaolo", "UniCredit", "Banco BPM", "BPER Banca"]}
# IBAN parts by country: the bank's part as (letters-or-digits pattern) and the account's digit count
BBAN = {"GB": ("@@@@######", 8), "IE": ("@@@@######", 8), "DE": ("########", 10), "AT": ("#####", 11),
        "CH": ("#####", 12), "FR": ("##########", 13), "BE": ("###", 9), "LU": ("###", 13), "NL": ("@@@@", 10),
        "ES": ("########", 12), "IT": ("@##########", 12)}
BIC_BANKS = {"GB": ["BARC", "HBUK", "LOYD", "NWBK"], "IE": ["BOFI", "AIBK"], "NL": ["INGB", "ABNA", "RABO", "TRIO"]}

# Goods and services: a line's description and its likely unit (key into UNITS) and price range.
ITEMS = {
    "en": [("Steel bracket 40 mm", "pcs"), ("Cable ties, black, 200 mm", "pack"), ("Consulting services", "h"),
           ("Wooden pallet EUR", "pcs"), ("LED panel 60x60 warm white", "pcs"), ("Printer toner cyan", "pcs"),
           ("Hydraulic hose assembly", "pcs"), ("Safety gloves size L", "pair"), ("Office chair, ergonomic", "pcs"),
           ("Copper pipe fitting 15 mm", "pcs"), ("Software licence (annual)", "pcs"), ("Maintenance visit", "h"),
           ("Packaging material", "kg"), ("Web hosting - monthly plan", "month"), ("Installation labour", "h"),
           ("Travel expenses", "pcs"), ("Copy paper A4 80 g", "box"), ("Stainless screws M6x20", "box")],
    "de": [("Montagewinkel verzinkt 40 mm", "pcs"), ("Kabelbinder schwarz 200 mm", "pack"), ("Beratungsleistung", "h"),
           ("Europalette", "pcs"), ("LED-Panel 60x60 warmweiß", "pcs"), ("Toner cyan", "pcs"),
           ("Hydraulikschlauch DN10", "m"), ("Arbeitshandschuhe Gr. 10", "pair"), ("Bürostuhl ergonomisch", "pcs"),
           ("Kupferrohr 15 mm", "m"), ("Softwarelizenz Jahresabo", "pcs"), ("Wartung Heizungsanlage", "h"),
           ("Verpackungsmaterial", "kg"), ("Webhosting Paket M", "month"), ("Montagearbeiten", "h"),
           ("Anfahrtspauschale", "flat"), ("Kopierpapier A4 80 g", "box"), ("Sechskantschrauben M8x40", "box")],
    "fr": [("Équerre de fixation 40 mm", "pcs"), ("Colliers de serrage noirs", "pack"), ("Prestation de conseil", "h"),
           ("Palette bois", "pcs"), ("Dalle LED 60x60 blanc chaud", "pcs"), ("Toner cyan", "pcs"),
           ("Flexible hydraulique", "m"), ("Gants de sécurité taille 9", "pair"), ("Fauteuil de bureau", "pcs"),
           ("Raccord cuivre 15 mm", "pcs"), ("Licence logiciel annuelle", "pcs"), ("Intervention de maintenance", "h"),
           ("Carton d'emballage", "pcs"), ("Hébergement web mensuel", "month"), ("Main d'œuvre installation", "h"),
           ("Frais de déplacement", "flat"), ("Ramette papier A4", "box"), ("Vis inox M6x20", "box")],
    "nl": [("Montagehoek verzinkt 40 mm", "pcs"), ("Kabelbinders zwart 200 mm", "pack"), ("Advieswerkzaamheden", "h"),
           ("Europallet", "pcs"), ("LED-paneel 60x60 warm wit", "pcs"), ("Toner cyaan", "pcs"),
           ("Hydraulische slang", "m"), ("Werkhandschoenen maat L", "pair"), ("Bureaustoel ergonomisch", "pcs"),
           ("Koperen knelkoppeling 15 mm", "pcs"), ("Softwarelicentie jaar", "pcs"), ("Onderhoudsbeurt", "h"),
           ("Verpakkingsmateriaal", "kg"), ("Webhosting maandabonnement", "month"), ("Installatiewerkzaamheden", "h"),
           ("Voorrijkosten", "flat"), ("Kopieerpapier A4", "box"), ("RVS bouten M6x20", "box")],
    "es": [("Escuadra de fijación 40 mm", "pcs"), ("Bridas negras 200 mm", "pack"), ("Servicios de consultoría", "h"),
           ("Palé de madera", "pcs"), ("Panel LED 60x60 blanco cálido", "pcs"), ("Tóner cian", "pcs"),
           ("Manguera hidráulica", "m"), ("Guantes de seguridad talla L", "pair"), ("Silla de oficina", "pcs"),
           ("Racor de cobre 15 mm", "pcs"), ("Licencia de software anual", "pcs"), ("Mantenimiento preventivo", "h"),
           ("Material de embalaje", "kg"), ("Alojamiento web mensual", "month"), ("Mano de obra instalación", "h"),
           ("Desplazamiento", "flat"), ("Papel A4 80 g", "box"), ("Tornillos inox M6x20", "box")],
    "it": [("Staffa di fissaggio 40 mm", "pcs"), ("Fascette nere 200 mm", "pack"), ("Consulenza tecnica", "h"),
           ("Pallet in legno", "pcs"), ("Pannello LED 60x60 luce calda", "pcs"), ("Toner ciano", "pcs"),
           ("Tubo idraulico", "m"), ("Guanti da lavoro taglia L", "pair"), ("Sedia da ufficio", "pcs"),
           ("Raccordo in rame 15 mm", "pcs"), ("Licenza software annuale", "pcs"), ("Manutenzione programmata", "h"),
           ("Materiale da imballo", "kg"), ("Hosting web mensile", "month"), ("Manodopera installazione", "h"),
           ("Spese di trasferta", "flat"), ("Carta A4 80 g", "box"), ("Viti inox M6x20", "box")],
}
MORE = {"en": ["incl. mounting kit", "as per quote", "for building B", "stainless steel", "delivered to site"],
        "de": ["inkl. Montagesatz", "gemäß Angebot", "für Halle 3", "Edelstahl", "frei Baustelle"],
        "fr": ["kit de montage inclus", "selon devis", "pour le bâtiment B", "acier inoxydable", "livré sur site"],
        "nl": ["incl. montageset", "volgens offerte", "voor hal 3", "roestvrij staal", "franco werf"],
        "es": ["incluye kit de montaje", "según presupuesto", "para la nave 3", "acero inoxidable", "entrega en obra"],
        "it": ["kit di montaggio incluso", "come da offerta", "per capannone 3", "acciaio inox", "franco cantiere"]}
UNITS = {"en": {"pcs": ["pcs", "ea", "pc", "units"], "pack": ["pack", "pk"], "h": ["h", "hrs", "hours"],
                "pair": ["pair", "pr"], "kg": ["kg"], "m": ["m"], "month": ["month", "mo"], "flat": ["lump sum", "ea"],
                "box": ["box", "bx"]},
         "de": {"pcs": ["Stk.", "St.", "Stück"], "pack": ["Pkg.", "VE"], "h": ["Std.", "h"], "pair": ["Paar", "Pa."],
                "kg": ["kg"], "m": ["m", "lfm"], "month": ["Monat", "Mon."], "flat": ["pauschal", "Psch."],
                "box": ["Karton", "Pkt."]},
         "fr": {"pcs": ["pce", "u", "unité"], "pack": ["lot", "paquet"], "h": ["h", "heure"], "pair": ["paire"],
                "kg": ["kg"], "m": ["m", "ml"], "month": ["mois"], "flat": ["forfait", "ens."], "box": ["boîte", "carton"]},
         "nl": {"pcs": ["st", "stuk", "stuks"], "pack": ["pak"], "h": ["uur", "u"], "pair": ["paar"], "kg": ["kg"],
                "m": ["m"], "month": ["mnd", "maand"], "flat": ["post", "forfait"], "box": ["doos"]},
         "es": {"pcs": ["ud", "uds", "unid."], "pack": ["paq."], "h": ["h", "horas"], "pair": ["par"], "kg": ["kg"],
                "m": ["m"], "month": ["mes"], "flat": ["global", "ud"], "box": ["caja"]},
         "it": {"pcs": ["pz", "nr", "cad"], "pack": ["conf."], "h": ["ore", "h"], "pair": ["paia"], "kg": ["kg"],
                "m": ["m", "ml"], "month": ["mese"], "flat": ["a corpo", "forfait"], "box": ["scatola", "conf."]}}
# Shop goods on receipts, with a price range in the document's currency.
SHOP = {"en": ["Milk 1L", "Bread loaf", "Coffee", "Sandwich", "Bananas", "Orange juice", "Chocolate bar", "Water 50cl",
               "Batteries AA", "Notebook", "Croissant", "Tea", "Pasta 500g", "Apples 1kg", "Parking"],
        "de": ["Vollmilch 1L", "Brötchen", "Kaffee", "Belegtes Brot", "Bananen", "Orangensaft", "Schokolade",
               "Mineralwasser", "Batterien AA", "Schreibblock", "Croissant", "Tee", "Nudeln 500g", "Äpfel 1kg",
               "Pfand"],
        "fr": ["Lait 1L", "Baguette", "Café", "Sandwich", "Bananes", "Jus d'orange", "Chocolat", "Eau 50cl",
               "Piles AA", "Cahier", "Croissant", "Thé", "Pâtes 500g", "Pommes 1kg", "Parking"],
        "nl": ["Melk 1L", "Brood", "Koffie", "Broodje", "Bananen", "Sinaasappelsap", "Chocolade", "Water 50cl",
               "Batterijen AA", "Schrift", "Croissant", "Thee", "Pasta 500g", "Appels 1kg", "Statiegeld"],
        "es": ["Leche 1L", "Pan", "Café", "Bocadillo", "Plátanos", "Zumo de naranja", "Chocolate", "Agua 50cl",
               "Pilas AA", "Cuaderno", "Croissant", "Té", "Pasta 500g", "Manzanas 1kg", "Parking"],
        "it": ["Latte 1L", "Pane", "Caffè", "Panino", "Banane", "Succo d'arancia", "Cioccolato", "Acqua 50cl",
               "Pile AA", "Quaderno", "Cornetto", "Tè", "Pasta 500g", "Mele 1kg", "Parcheggio"]}
SHOPS = {"en": ["Corner Store", "Market", "Café", "Pharmacy", "Bakery", "Hardware", "Deli"],
         "de": ["Markt", "Bäckerei", "Café", "Apotheke", "Baumarkt", "Getränkemarkt", "Tankstelle"],
         "fr": ["Supérette", "Boulangerie", "Café", "Pharmacie", "Bricolage", "Épicerie", "Tabac Presse"],
         "nl": ["Supermarkt", "Bakkerij", "Café", "Apotheek", "Bouwmarkt", "Slijterij"],
         "es": ["Supermercado", "Panadería", "Cafetería", "Farmacia", "Ferretería", "Bazar"],
         "it": ["Market", "Panificio", "Bar", "Farmacia", "Ferramenta", "Alimentari", "Tabaccheria"]}

# Habits by country: date formats (name -> weight; names as in content.DATE_FORMATS) and numbers
# (thousands separator, decimal separator, weight); where a currency symbol goes first.
_EU_DATES = {"dd/mm/yyyy": 6, "d month yyyy": 3, "dd.mm.yyyy": 1, "dd-mm-yyyy": 1, "yyyy-mm-dd": 1, "dd/mm/yy": 1}
DATE_HABITS = {
    "GB": {"dd/mm/yyyy": 4, "d month yyyy": 3, "dd-mon-yyyy": 1, "d mon yyyy": 1, "dd/mm/yy": 1, "yyyy-mm-dd": 1},
    "US": {"mm/dd/yyyy": 5, "month d, yyyy": 2, "mon d, yyyy": 2, "m/d/yy": 1, "yyyy-mm-dd": 1},
    "DE": {"dd.mm.yyyy": 7, "d month yyyy": 2, "dd.mm.yy": 1, "d.m.yyyy": 1, "yyyy-mm-dd": 1},
    "NL": {"dd-mm-yyyy": 5, "d month yyyy": 3, "yyyy-mm-dd": 1, "dd/mm/yyyy": 1},
    "BE": {"dd/mm/yyyy": 4, "dd-mm-yyyy": 2, "d month yyyy": 2, "dd.mm.yyyy": 1},
    "ES": _EU_DATES, "FR": _EU_DATES, "LU": _EU_DATES, "IT": {**_EU_DATES, "dd/mm/yyyy": 8},
}
DATE_HABITS.update({"IE": DATE_HABITS["GB"], "AT": DATE_HABITS["DE"], "CH": DATE_HABITS["DE"]})
# (thousands separator, decimal separator, weight) by country
NUMBER_HABITS = {
    "GB": ((",", ".", 6), ("", ".", 1)), "US": ((",", ".", 6), ("", ".", 1)), "IE": ((",", ".", 6), ("", ".", 1)),
    "DE": ((".", ",", 8), ("", ",", 2), (" ", ",", 1)), "AT": ((".", ",", 5), (" ", ",", 1), ("", ",", 1)),
    "CH": (("'", ".", 5), ("\u2019", ".", 1), ("", ".", 2), (" ", ".", 1)),
    "FR": ((" ", ",", 4), ("\u202f", ",", 2), ("", ",", 2), (".", ",", 2)),
    "LU": ((" ", ",", 2), (".", ",", 2), ("", ",", 1)), "BE": ((".", ",", 5), (" ", ",", 2), ("", ",", 1)),
    "NL": ((".", ",", 7), ("", ",", 2)), "ES": ((".", ",", 7), ("", ",", 3)), "IT": ((".", ",", 8), ("", ",", 2)),
}
SYMBOL_FIRST = {"GB", "US", "IE", "NL"}

# The language a country's names are drawn in (Belgium and Switzerland: one of theirs at random).
COUNTRY_LANG = {"GB": "en", "US": "en", "IE": "en", "DE": "de", "AT": "de", "FR": "fr", "LU": "fr", "NL": "nl",
                "ES": "es", "IT": "it"}
# The countries in the EU VAT area (intra-community supplies are reverse-charged).
EU = ("DE", "AT", "FR", "BE", "NL", "LU", "ES", "IT", "IE")

# Italian addresses print the province after the city: 20121 Milano (MI).
PROVINCES = {"Milano": "MI", "Roma": "RM", "Torino": "TO", "Bologna": "BO", "Firenze": "FI", "Napoli": "NA",
             "Padova": "PD", "Verona": "VR"}
# Countries that print the house number before the street (12 rue de la Paix, 221 Baker Street).
NUMBER_FIRST = ("FR", "GB", "US", "IE", "LU")

# Unit prices by kind of goods (a line's price is drawn log-uniform within).
PRICE_RANGES = {"pcs": (0.5, 900), "pack": (3, 40), "h": (45, 180), "pair": (2, 25), "kg": (0.8, 40), "m": (1, 60),
                "month": (5, 300), "flat": (25, 500), "box": (5, 60)}

# Belgian bank codes (the first digits of an account) that python-stdnum's IBAN check knows.
BE_BANKS = ("001", "068", "363", "734", "735", "310", "050")
