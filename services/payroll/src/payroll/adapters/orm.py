"""payroll tables (schema payroll)."""
import uuid
from datetime import datetime

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import BigInteger, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()


class TipRecord(TimestampedMixin, Base):
    """A tip credited to the staff member who served the order: the base of tip reporting
    (tips are wages for income tax and FICA, see the tax service)."""

    __tablename__ = "tip_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)  # one per order; none for manual
    source: Mapped[str] = mapped_column(Text, default="order")  # order | manual
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tip_cents: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime]
