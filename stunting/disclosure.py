"""How much of a child's age and growth a reader without `child.personal` sees.

With a measurement's exact length, weight and date, the WHO day tables turn its
z-scores into the age in days, hence the birth date: full precision pins the day,
and so does rounding to 0.1 once two or three measurements are intersected, and
even the class alone for a child near a class boundary. So such readers get
(measured by the attack in tests/stunting/test_zscore_privacy.py):
- ages counted from the middle of the birth month, the same for every birth date
  in that month (an age counted from the day, read on two dates, narrows it);
- z-scores rounded to the nearest half SD, with their classes;
- no weight, length/height or corrected length: with the three z-scores, even
  rounded, they give the age back;
- the month of a measurement, not its day (nor when it was recorded): a child
  is born on or before the day it is measured, so a measurement in the first
  days of the birth month, or at birth, would bound the birth date to those days;
- for the same reason, the month a child was registered, not the time.
"""

import datetime
import math

from django.utils import timezone

# Average month length in days, the WHO convention for age in months.
DAYS_PER_MONTH = 30.4375
Z_STEP = 0.5
MID_MONTH = 15
# A measurement's fields withheld with the birth date.
PERSONAL_MEASURES = (
    "measured_on",
    "created_at",
    "age_days",
    "weight_kg",
    "height_cm",
    "height_adjusted_cm",
    # Kept from e-PPGBM files: arm circumference tracks age as weight does, and
    # the Vitamin A count (two a year from 6 months) tells the age in half-years.
    "lila_cm",
    "weight_gain",
    "vitamin_a_count",
    "has_kia_book",
    "attends_mother_class",
)


def shown_age_months(*, birth_date: datetime.date, on: datetime.date) -> int:
    """Whole months on `on`, counted from the 15th of the birth month."""
    days = (on - birth_date.replace(day=MID_MONTH)).days
    return max(0, int(days // DAYS_PER_MONTH))


def shown_z(z: float | None) -> float | None:
    """The z-score rounded to the nearest half SD (halves rounded up)."""
    if z is None:
        return None
    # + 0.0 turns -0.0 into 0.0.
    return math.floor(z / Z_STEP + 0.5) * Z_STEP + 0.0


def measured_month(day: datetime.date) -> str:
    """The month of a measurement, YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the month of `day`."""
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def registered_month(moment: datetime.datetime) -> datetime.datetime:
    """The start of the month (in the site's time zone) a child was registered."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
