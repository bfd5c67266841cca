"""Common given names and salutations in the reader's six languages: what tells a person's name ("Jan de Vries",
"Herrn Peter Schmidt") from a company's on a page that prints both — the party, and whom to contact there.

A feature (``name_person``), not a rule: a buyer may be a person (a consumer's invoice), a seller's block may
print its owner's name under the company's. The generator of ``synth`` draws its people's first names from these
lists too, so the model learns what the feature says, not the names. Written from general knowledge of the most
common given names of each language's countries, never from evaluation documents.
"""

from __future__ import annotations

from ..printed import fold

GIVEN: dict[str, list[str]] = {
    "en": "James Sarah Michael Emma David Olivia Daniel Laura Thomas Rachel John Mary Robert Patricia William "
          "Jennifer Richard Linda Joseph Elizabeth Charles Susan Christopher Jessica Matthew Karen Anthony Nancy "
          "Mark Lisa Paul Betty Steven Helen Andrew Sandra Kevin Donna Brian Carol George Ruth Edward Sharon "
          "Peter Michelle Jack Amy Oliver Emily Harry Charlotte Jacob Sophie Samuel Grace Benjamin Chloe".split(),
    "de": "Hans Anna Peter Julia Thomas Sabine Michael Katrin Jürgen Lena Klaus Ursula Wolfgang Petra Stefan "
          "Monika Andreas Claudia Frank Andrea Uwe Susanne Martin Birgit Markus Karin Christian Gabriele Matthias "
          "Heike Ralf Nicole Jörg Stefanie Dieter Martina Bernd Anja Günter Ute Helmut Renate Manfred Ingrid "
          "Werner Christa Max Lukas Felix Leon Paul Jonas Emma Mia Hannah Lea Laura Sophie Karl Helga Gerhard".split(),
    "fr": "Jean Marie Pierre Sophie Nicolas Camille Luc Élodie François Claire Philippe Nathalie Michel Isabelle "
          "Alain Sylvie Patrick Catherine Jacques Françoise Christophe Valérie Laurent Sandrine Éric Christine "
          "Frédéric Céline Olivier Stéphanie Julien Aurélie Thierry Julie Sébastien Émilie Daniel Caroline Bernard "
          "Anne Louis Chloé Hugo Manon Lucas Léa Gabriel Inès Antoine Margaux Thomas Mathilde Alexandre Pauline".split(),
    "nl": "Jan Anna Pieter Sanne Willem Femke Bram Lotte Joost Eva Johannes Maria Cornelis Johanna Hendrik "
          "Wilhelmina Gerrit Elisabeth Dirk Cornelia Kees Ingrid Henk Marieke Erik Linda Peter Sandra Mark Anouk "
          "Sander Lisa Thijs Emma Daan Julia Lars Sophie Ruben Fleur Bas Iris Tim Esther Koen Marloes Niels "
          "Saskia Jeroen Inge Wouter Els Sven Noor Luuk Tessa".split(),
    "es": "José María Carlos Lucía Javier Carmen Antonio Elena Miguel Ana Manuel Isabel Francisco Laura David "
          "Marta Juan Cristina Pedro Pilar Alejandro Paula Rafael Sara Fernando Dolores Pablo Raquel Sergio "
          "Rosa Jorge Teresa Luis Beatriz Alberto Patricia Álvaro Silvia Diego Andrea Adrián Julia Daniel "
          "Nuria Ángel Sofía Jesús Alba Ramón Irene Enrique Claudia Víctor Rocío".split(),
    "it": "Marco Giulia Luca Francesca Giuseppe Chiara Andrea Sara Paolo Elena Giovanni Maria Antonio Anna "
          "Mario Laura Francesco Valentina Roberto Alessandra Alessandro Silvia Stefano Federica Massimo Paola "
          "Lorenzo Martina Matteo Giorgia Davide Roberta Simone Cristina Fabio Daniela Riccardo Monica "
          "Salvatore Barbara Vincenzo Angela Gianluca Sofia Leonardo Aurora Tommaso Alice Filippo Beatrice".split(),
}
SALUTATIONS = frozenset(fold(word).strip(".") for word in (
    "Herr Herrn Frau Hr. Fr. Mr Mr. Mrs Mrs. Ms Ms. Miss Dr. Dr Prof. M. Mme Mme. Mlle Monsieur Madame Dhr. Mevr. "
    "Heer Mevrouw Sr. Sra. Don Doña Sig. Sig.ra Signor Signora Dott.").split())
GIVEN_FOLDED = frozenset(fold(name) for names in GIVEN.values() for name in names)


def person_like(text: str) -> bool:
    """Whether a name looks like a person's: an optional salutation, then two or three words of which the first
    (or, written surname first, the last) is a common given name."""
    words = [fold(word).strip(".,:;") for word in text.split()]
    rest = [word for word in words if word]
    while rest and rest[0] in SALUTATIONS:
        rest = rest[1:]
    if len(words) > len(rest) and 1 <= len(rest) <= 3:
        return True  # "Herrn Mustermann"
    return 2 <= len(rest) <= 3 and (rest[0] in GIVEN_FOLDED or rest[-1] in GIVEN_FOLDED)
