from django.contrib import admin

from clinic.charts import checkin_chart_svg
from clinic.models import (
    Appointment,
    AvailabilityException,
    CheckIn,
    Enrollment,
    Membership,
    Organization,
    Profile,
    TreatmentPlan,
    WeeklyAvailability,
)


class AppointmentInline(admin.TabularInline):
    """A profile's appointments, for browsing: they are edited on their own page, where clean() checks them."""

    model = Appointment
    fields = ["starts_at", "ends_at", "status", "patient", "therapist", "organization", "notes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["starts_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient", "therapist", "organization")


class TherapistAppointmentInline(AppointmentInline):
    fk_name = "therapist"
    verbose_name_plural = "appointments with patients"


class PatientAppointmentInline(AppointmentInline):
    fk_name = "patient"
    verbose_name_plural = "appointments"


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "role", "is_test_patient", "created_at"]
    list_filter = ["role", "is_test_patient", "memberships__organization"]
    search_fields = ["email", "full_name", "first_name", "last_name", "licence_number", "id"]
    readonly_fields = ["id", "synthetic_run_id", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    change_form_template = "admin/clinic/profile_change_form.html"

    def get_inlines(self, request, obj):
        inlines = {
            Profile.Role.THERAPIST: [TherapistAppointmentInline],
            Profile.Role.PATIENT: [PatientAppointmentInline],
        }
        return [*super().get_inlines(request, obj), *inlines.get(obj.role if obj else None, [])]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.role == Profile.Role.PATIENT:
            context["checkin_chart"] = checkin_chart_svg(obj.check_ins.order_by("checkin_date"))
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["user", "checkin_date", "mood", "energy", "anxiety", "sleep_hours"]
    list_filter = ["user__is_test_patient", "checkin_date"]
    search_fields = ["user__email", "user__full_name", "notes"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    date_hierarchy = "checkin_date"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["profile", "organization", "role"]
    list_filter = ["role", "organization", "profile__is_test_patient"]
    search_fields = ["profile__email", "profile__full_name", "organization__name"]
    raw_id_fields = ["profile"]
    list_select_related = ["profile", "organization"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "organization", "therapist"]
    list_filter = ["organization", "patient__is_test_patient"]
    search_fields = ["patient__email", "patient__full_name", "therapist__email"]
    raw_id_fields = ["patient", "therapist"]
    list_select_related = ["patient", "organization", "therapist"]


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["therapist", "organization", "weekday", "start_time", "end_time"]
    list_filter = ["organization", "weekday", "therapist__is_test_patient"]
    search_fields = ["therapist__email", "therapist__full_name"]
    raw_id_fields = ["therapist"]
    list_select_related = ["therapist", "organization"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["therapist", "organization", "date", "start_time", "end_time", "is_available"]
    list_filter = ["organization", "is_available", "therapist__is_test_patient"]
    search_fields = ["therapist__email", "therapist__full_name"]
    raw_id_fields = ["therapist"]
    list_select_related = ["therapist", "organization"]
    date_hierarchy = "date"


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "patient", "therapist", "organization", "status", "start_date", "end_date"]
    list_filter = ["status", "organization", "patient__is_test_patient"]
    search_fields = ["title", "diagnosis", "patient__email", "patient__full_name", "therapist__email"]
    raw_id_fields = ["patient", "therapist"]
    list_select_related = ["patient", "therapist", "organization"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "therapist", "patient", "organization", "status"]
    list_filter = ["status", "organization", "patient__is_test_patient"]
    search_fields = ["therapist__email", "therapist__full_name", "patient__email", "patient__full_name", "notes"]
    raw_id_fields = ["therapist", "patient"]
    readonly_fields = ["synthetic_run_id"]
    list_select_related = ["therapist", "patient", "organization"]
    date_hierarchy = "starts_at"
