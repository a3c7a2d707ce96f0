"""The dispatch board's forms: what the board shows (period, view, filters, the proposal on
it), placing an order or moving an appointment, and asking the optimiser for a plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openservice.dispatch.board import DAY, WEEK, Period


@dataclass(frozen=True)
class BoardState:
    """What the board shows; it travels in the URL and with every action posted from it."""

    view: str
    day: date
    team_id: int | None = None
    skill_id: int | None = None
    proposal_id: int | None = None
    layout: str = ""  # the layout the page was drawn with (Timeline.key)

    @property
    def period(self) -> Period:
        return Period(view=self.view, anchor=self.day)

    def query(self, *, day: date | None = None, proposal: bool = True) -> str:
        """The query string of this board (on another day), for links and redirects."""
        params = {"date": (day or self.day).isoformat()}
        if self.view == WEEK:
            params["view"] = WEEK
        if self.team_id:
            params["team"] = self.team_id
        if self.skill_id:
            params["skill"] = self.skill_id
        if proposal and self.proposal_id:
            params["proposal"] = self.proposal_id
        return urlencode(params)


# Business time is counted from 1900 to 9000 (calendars.arithmetic); a week's margin each side.
FIRST_DAY, LAST_DAY = date(1900, 1, 8), date(8999, 12, 24)


class BoardForm(forms.Form):
    """The board's toolbar. A value that does not parse falls back to its default (today, the
    day view, no filter) rather than failing the page."""

    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )
    view = forms.ChoiceField(
        label=_("View"), required=False, choices=[(DAY, _("Day")), (WEEK, _("Week"))]
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"), required=False, queryset=None, empty_label=_("All skills")
    )
    proposal = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    layout = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, data, *, teams, skills, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["skill"].queryset = skills

    def state(self, *, today: date | None = None) -> BoardState:
        self.is_valid()
        value = {name: self.cleaned_data.get(name) for name in self.fields}
        team, skill = value["team"], value["skill"]
        return BoardState(
            view=value["view"] or DAY,
            day=value["date"] or today or timezone.localdate(),
            team_id=team.pk if team else None,
            skill_id=skill.pk if skill else None,
            proposal_id=value["proposal"],
            layout=value["layout"] or "",
        )


class PlaceForm(forms.Form):
    """A drop on a technician's row, or the Assign / Move form of a card: who and when (the
    length comes from the order or the appointment)."""

    technician = forms.IntegerField(label=_("Technician"), min_value=1)
    starts_at = forms.DateTimeField(label=_("Start"))

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if not FIRST_DAY <= value.date() <= LAST_DAY:
            raise forms.ValidationError(_("Choose a time between 1900 and 8999."))
        return value


class AssignForm(PlaceForm):
    order = forms.IntegerField(label=_("Order"), min_value=1)


class ProposeForm(forms.Form):
    time_limit_seconds = forms.IntegerField(
        label=_("Time limit (seconds)"),
        min_value=1,
        initial=10,
        help_text=_("The optimiser stops searching after this long."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The maximum is a setting, read when the form is made (not at import).
        limit = settings.DISPATCH_OPTIMISER_MAX_SECONDS
        field = self.fields["time_limit_seconds"]
        field.max_value = limit
        field.validators.append(MaxValueValidator(limit))
        field.widget.attrs["max"] = limit
