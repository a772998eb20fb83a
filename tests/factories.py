"""Factories for registry records; regions come from the real Kemendagri data."""

import datetime

import factory

from villages.models import (
    Classification,
    ClassificationBasis,
    ClassificationLevel,
    FieldOfficer,
    KampungKB,
    PokjaMember,
    PokjaRole,
    Program,
    ProgramIntegration,
)


class KampungFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KampungKB

    name = factory.LazyAttribute(lambda o: f"Kampung KB {o.region.name}")
    formed_on = datetime.date(2023, 6, 7)


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification

    kampung = factory.SubFactory(KampungFactory)
    level = ClassificationLevel.DASAR
    effective_on = factory.LazyAttribute(lambda o: o.kampung.formed_on)
    basis = ClassificationBasis.LAUNCH


class PokjaMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PokjaMember

    role = PokjaRole.KETUA
    name = factory.Faker("name", locale="id_ID")


class ProgramIntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramIntegration

    program = Program.BPJS
    agency = "BPJS Kesehatan"


class FieldOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldOfficer

    name = factory.Faker("name", locale="id_ID")
