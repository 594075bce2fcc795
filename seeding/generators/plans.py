"""Treatment plans: several per patient with mixed statuses, exactly one ongoing, led by the patient's therapist."""

from clinic.models import TreatmentPlan
from seeding.context import RunContext
from seeding.generators.identity import patient_id, therapist_id
from seeding.generators.placement import clinic_units, organization_id, patient_placement
from seeding.generators.registry import EntityGenerator, register
from seeding.generators.treatment import patient_plans


def _rows(ctx: RunContext, patient: int):
    organization, therapist = patient_placement(ctx, patient)
    patient_key = patient_id(ctx, patient)
    organization = organization_id(ctx, organization)
    for number, plan in enumerate(patient_plans(ctx, patient), start=1):
        yield (
            patient_key,
            therapist_id(ctx, therapist),
            organization,
            str(plan.status),
            f"Treatment plan {number}: {plan.diagnosis}"[:200],
            plan.diagnosis,
            plan.start.isoformat(),
            plan.end.isoformat() if plan.end else None,
        )


register(
    EntityGenerator(
        name="treatment_plans",
        model=TreatmentPlan,
        columns=(
            "patient_id",
            "therapist_id",
            "organization_id",
            "status",
            "title",
            "diagnosis",
            "start_date",
            "end_date",
        ),
        depends_on=("enrollments",),
        units=clinic_units(lambda request: request.patients_count),
        rows=_rows,
        rows_per_unit=lambda request: request.plans_per_patient,
    )
)
