"""Customers, their service sites and contacts, and the agreement groups that tier them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel
from openservice.core.validators import validate_timezone

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO currency code."))
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO country code."))


class AgreementGroup(TimeStampedModel):
    """A customer tier (GOLD, SILVER, BRONZE) that SLA policies and agreements key on."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agreement group")
        verbose_name_plural = _("agreement groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Customer(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    vat_id = models.CharField(_("VAT id"), max_length=30, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, validators=[currency_validator], default="EUR"
    )
    agreement_group = models.ForeignKey(
        AgreementGroup,
        verbose_name=_("agreement group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]
        indexes = [models.Index(Lower("name"), name="customer_name_lower_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Site(TimeStampedModel):
    """A service address. Visits there are planned and shown in the site's own time zone."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, validators=[country_validator], default="FI"
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Helsinki", validators=[validate_timezone]
    )
    access_notes = models.TextField(_("access notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer__name", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_neither",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}" if self.city else self.name


class Contact(TimeStampedModel):
    """A person at a customer. A contact with a user account logs in to the customer portal."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_contact",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer__name", "name", "pk"]

    def __str__(self) -> str:
        return self.name
