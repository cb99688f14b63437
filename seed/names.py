"""Plausible, unique person names and their e-mail addresses."""

from __future__ import annotations

import random
import re
import unicodedata

DOMAIN = "acme.example"

# Name pools by region, so a Nordic sales team does not sound like a Lisbon contact centre.
FIRST = {
    "north": (
        "Anna Erik Lars Ingrid Sofie Mikael Johan Karin Nils Astrid Henrik Freja Magnus Elin Jonas Linnea "
        "Mats Sigrid Oskar Maja Emil Ida Anders Helena Niklas Frida Tobias Camilla Rasmus Hanna Jens Lena "
        "Sven Katrin Pieter Sanne Daan Femke Lukas Julia Felix Leonie Jan Marit Ole Tuva Aksel Nora Søren "
        "Björn Annika Kristian Malin Fredrik Sara Torben Mette Jesper Liisa Mikko Aino Juha Saara"
    ).split(),
    "south": (
        "Lucía Javier María Carlos Sofía Alejandro Elena Pablo Carmen Diego Laura Andrés Marta Jorge Paula "
        "Miguel Isabel Raúl Beatriz Sergio Giulia Marco Francesca Luca Chiara Matteo Alessia Davide Valentina "
        "Lorenzo Sara Giorgio Inês João Tiago Mariana Rui Catarina Nuno Camille Julien Chloé Antoine Léa "
        "Mathieu Manon Nicolas Élodie Thomas Álvaro Irene Adrián Nerea Federico Martina Gonçalo Rita"
    ).split(),
    "intl": (
        "Emma Oliver Charlotte James Amelia William Olivia Harry Grace Jack Sophie Daniel Chloe Samuel Lucy "
        "Benjamin Priya Arjun Aisha Omar Yusuf Fatima Mei Wei Hiroshi Yuki Kofi Amara Tomasz Agnieszka Piotr "
        "Katarzyna Ewa Marek Niamh Conor Siobhan Ciaran Rachel David Hannah Michael Laura Ahmed Zainab "
        "Ravi Anjali Elif Mehmet Ana Luka Petra Dimitri Eleni Kateřina Ondřej Zsófia Bence"
    ).split(),
}
LAST = {
    "north": (
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsen Hansen Pedersen Jensen Nielsen Berg "
        "Lindqvist Lindberg Holm Dahl Strand Lund Bakker de_Vries Jansen Visser Meijer Schmidt Müller "
        "Schneider Fischer Weber Becker Wagner Hoffmann Virtanen Korhonen Nieminen Mäkinen Haugen Solberg "
        "Eklund Sandberg Forsberg Sjöberg Wallin Engström Bergström Nyström Lindgren Axelsson Håkansson "
        "Björk Ström Søndergaard Østergaard Halvorsen Lehtonen Koskinen van_Dijk Smit Mulder Vogel Krüger"
    ).split(),
    "south": (
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz "
        "Hernández Díaz Moreno Álvarez Romero Navarro Torres Domínguez Rossi Russo Ferrari Esposito Bianchi "
        "Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Costa Silva Santos Ferreira Pereira "
        "Oliveira Rodrigues Martins Sousa Fernandes Dubois Moreau Laurent Lefèvre Girard Bonnet Mercier "
        "Fontaine Castro Ortega Rubio Molina Serrano Giordano Mancini Lombardi Barbieri Carvalho Lopes"
    ).split(),
    "intl": (
        "Smith Jones Taylor Brown Williams Wilson Evans Thomas Johnson Roberts Walker Wright Robinson "
        "Thompson White Hughes Edwards Green Hall Wood Harris Clarke Patel Khan Shah Singh Nowak Kowalski "
        "Wiśniewski Kowalczyk Novák Horvat Kovač Chen Wang Tanaka Mensah Okafor O'Brien Murphy Kelly Byrne "
        "Walsh Ryan Doyle Gallagher Ahmed Ali Yilmaz Demir Papadopoulos Nagy Szabó Dvořák Popescu Ivanova "
        "Mitchell Campbell Stewart Bennett Fraser Iyer Menon Sato Kim Nguyen"
    ).split(),
}
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens only: the shape of an e-mail local part."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", ascii_text.lower())


def slug(text: str) -> str:
    """A short id made of lower-case words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class NameBook:
    """Hands out full names that are unique in the company, with unique e-mail addresses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.emails: set[str] = set()

    def person(self, pool: str) -> tuple[str, str]:
        """A new (name, email); mostly from `pool`, sometimes from anywhere (people move)."""
        for attempt in range(40):
            region = pool if attempt < 25 and self.rng.random() < 0.85 else self.rng.choice(list(FIRST))
            first, last = self.rng.choice(FIRST[region]), self.rng.choice(LAST[region]).replace("_", " ")
            name = f"{first} {last}"
            if name not in self.names:
                break
        else:
            # Pools exhausted (only in the large profile): a middle initial keeps the name unique.
            while name in self.names:
                name = f"{first} {self.rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        self.names.add(name)
        return name, self.email(first, last)

    def email(self, first: str, last: str) -> str:
        """firstname.lastname@acme.example, with a digit when the address is taken."""
        local = f"{fold(first)}.{fold(last)}"
        address, n = f"{local}@{DOMAIN}", 1
        while address in self.emails:
            n += 1
            address = f"{local}{n}@{DOMAIN}"
        self.emails.add(address)
        return address
