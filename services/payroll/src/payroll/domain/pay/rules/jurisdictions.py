"""How each supported work state computes hours and pay: rules as data, with their sources.

Adding a state = its wage rows in `wage_data` + one `Jurisdiction` here. States not listed are refused
(`work_state` names the field): paying the federal rules in, say, Washington (higher minimum wage, no
tip credit) would be silently wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

FLSA_WEEKLY = "flsa_weekly"
CALIFORNIA = "california"

TOTAL_HOURS = "total_hours"  # 29 CFR 778.110(b), 778.209: bonus / all hours, extra 0.5x per OT hour
ALVARADO = "alvarado"  # Alvarado v. Dart Container (2018): bonus / non-overtime hours, 1.5x per OT hour


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    overtime: str  # FLSA_WEEKLY or CALIFORNIA
    flat_sum_bonus: str  # TOTAL_HOURS or ALVARADO
    break_premiums: bool  # meal/rest period premiums (LC 226.7) exist here
    sources: tuple[str, ...]


FLSA_SOURCES = (
    "FLSA-207: 29 U.S.C. 207(a)(1), 1.5 x regular rate over 40 h in the workweek; 29 CFR 778.104 each workweek alone [C]",
    "29CFR778.110: regular rate = (straight-time pay + non-discretionary bonus) / total hours [C]",
    "29CFR531.60: tips are not part of the regular rate; tipped regular rate = cash wage + tip credit [C]",
)

JURISDICTIONS: dict[str, Jurisdiction] = {
    "CA": Jurisdiction(
        "CA", "California", CALIFORNIA, ALVARADO, True,
        ("CA-LC-510: >8 h/day 1.5x, >12 h/day 2x, >40 h/week 1.5x, 7th day of work in the workweek: first 8 h 1.5x, "
         "over 8 h 2x [C]; hours already daily OT not counted again toward 40 [S: DLSE practice]",
         "CA-LC-500 / MENDOZA-2017: the seventh day counts within the fixed workweek only [C]",
         "ALVARADO-2018: flat-sum bonus / non-overtime hours, x1.5 per OT hour (x2 per DT hour is an inference) [C]",
         "Ferra v. Loews (2021): meal/rest premiums at the regular rate of compensation [S]",
         "CA-LC-351: no tip credit [C]"),
    ),
    "PA": Jurisdiction("PA", "Pennsylvania", FLSA_WEEKLY, TOTAL_HOURS, False, FLSA_SOURCES),
    "TX": Jurisdiction("TX", "Texas", FLSA_WEEKLY, TOTAL_HOURS, False,
                       (*FLSA_SOURCES, "Texas follows the FLSA [X: not in the rules file]")),
    "TN": Jurisdiction("TN", "Tennessee", FLSA_WEEKLY, TOTAL_HOURS, False,
                       (*FLSA_SOURCES, "Tennessee has no state minimum-wage or overtime law: federal rules "
                                       "[X: not in the rules file]")),
}
