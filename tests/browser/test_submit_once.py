"""A sent create form takes no second tap (static/js/submit-once.js), in Chromium.

The server already answers a repeat with the first's result (tests/test_double_submit.py);
this keeps a slow phone from sending the repeat at all.
"""

import datetime

import pytest
from django.urls import reverse

from kampungkb.models import Role, User
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import Region

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"


def test_a_sent_form_takes_no_second_tap(phone, kota_pekalongan):
    staf = User.objects.create_user("staf", role=Role.STAF, password=PASSWORD)
    staf.regions.set([kota_pekalongan])
    kampung = KampungFactory(region=Region.objects.get(code="33.75.04.1004"))
    ClassificationFactory(kampung=kampung)
    sign_in(phone, "staf", PASSWORD)
    phone.goto(f"{reverse('dashat-create')}?kampung={kampung.pk}")
    phone.fill("#id_name", "Dashat Melati")
    phone.fill("#id_formed_on", datetime.date(2023, 6, 7).isoformat())

    # The first tap sends the form (kept on the page here, as on a slow network) ...
    disabled_after_submit = phone.evaluate(
        """async () => {
            const form = document.querySelector("main form");
            form.addEventListener("submit", (event) => event.preventDefault());
            form.requestSubmit();
            await new Promise((resolve) => setTimeout(resolve, 100));
            return form.querySelector("button[type=submit]").disabled;
        }"""
    )

    # ... and its button takes no second one.
    assert disabled_after_submit
