"""The demo's made-up organisation: three ML teams, their people, channels and habits.

Everything here is invented for the demo. The notes are short things a team might write next to
an answer, in the team's language; the simulation picks among them with a seeded random
generator, so every run tells the same story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from rubric.model import Stage

WORKSPACE = "T0DEMOORG"
WORKSPACE_NAME = "Acme Analytics"
BOT_NAME = "ML Test Score"
ADMIN = "U0ADMIN01"
SEED = 2017
"""The random seed (the year of the paper the rubric comes from)."""

START = datetime(2026, 1, 5, tzinfo=UTC)
"""Monday of ISO week 2026-W02: the simulated months cross both daylight-saving changes of
spring (the US on 8 March, Europe on 29 March), so local check-in times are put to the test."""

DIGEST_WEEKDAY = 4
DIGEST_TIME = time(16, 0)
"""The weekly summary goes out on Friday afternoon (every check-in and reminder of a week comes
before it, so the demo's one summary at the end covers the whole simulation)."""

REMINDER_AFTER_HOURS = 48


@dataclass(frozen=True)
class SampleTeam:
    key: str
    name: str
    channel_id: str
    channel_name: str
    language: str
    stage: Stage
    weekday: int
    at: time
    tz: str
    people: tuple[tuple[str, str], ...]
    """(user id, display name); the first answers most weeks."""
    leads: tuple[str, ...]
    start_level: float
    """Average starting level per item (0 not done .. 2 automated)."""
    pace: float
    """Chance per week that an item not yet automated moves up a level."""
    focus: tuple[str, ...]
    """Sections the team works on first (their items improve faster)."""
    system: str | None = None
    """The ML system of the team this entry assesses; None: the team's only one."""


TEAMS: tuple[SampleTeam, ...] = (
    SampleTeam(
        key="vision",
        name="Vision",
        channel_id="C0VISION01",
        channel_name="ml-vision",
        language="en",
        stage=Stage.RESEARCH,
        weekday=2,
        at=time(11, 0),
        tz="Asia/Kolkata",
        people=(("U0PRIYA01", "Priya Raman"), ("U0ARJUN01", "Arjun Mehta")),
        leads=(),
        start_level=0.3,
        pace=0.035,
        focus=("FD", "I"),
    ),
    SampleTeam(
        key="search",
        name="Search ranking",
        channel_id="C0SEARCH01",
        channel_name="search-ranking",
        language="en",
        stage=Stage.ROADMAP,
        weekday=1,
        at=time(10, 0),
        tz="America/New_York",
        people=(("U0MAYA001", "Maya Thompson"), ("U0DEREK01", "Derek Chen")),
        leads=("U0MAYA001",),
        start_level=0.75,
        pace=0.045,
        focus=("I", "Mo"),
        system="Ranking",
    ),
    SampleTeam(
        key="fraude",
        name="Fraude",
        channel_id="C0FRAUDE01",
        channel_name="fraude-pagos",
        language="es",
        stage=Stage.PRODUCTION,
        weekday=0,
        at=time(9, 0),
        tz="Europe/Madrid",
        people=(("U0LUCIA01", "Lucía Fernández"), ("U0JAVIER1", "Javier Ortega")),
        leads=(),
        start_level=1.05,
        pace=0.03,
        focus=("Mo", "MD"),
    ),
)

SYSTEMS: tuple[SampleTeam, ...] = (
    SampleTeam(
        key="ads",
        name="Search ranking",
        channel_id="C0SEARCH01",
        channel_name="search-ranking",
        language="en",
        stage=Stage.RESEARCH,
        weekday=1,
        at=time(10, 0),
        tz="America/New_York",
        people=(("U0DEREK01", "Derek Chen"), ("U0MAYA001", "Maya Thompson")),
        leads=("U0MAYA001",),
        start_level=0.2,
        pace=0.05,
        focus=("FD", "Mo"),
        system="Ads",
    ),
)
"""The second ML system of a team: Search ranking owns Ranking (on its way to production) and
Ads (still research), asked in one check-in with a button each."""

USERS: dict[str, str] = {ADMIN: "Elena Ruiz (ML platform)"} | {
    user: name for team in TEAMS for user, name in team.people
}

# ---- notes ------------------------------------------------------------------------------------

ITEM_NOTES: dict[str, dict[str, tuple[str, str]]] = {
    # item id -> language -> (note when it becomes manual, note when it becomes automated)
    "FD1": {
        "en": (
            "Schema written down for the image metadata; checked by hand.",
            "Schema check runs on every ingest; bad batches are quarantined.",
        ),
        "es": (
            "Esquema de las transacciones documentado; lo revisamos a mano.",
            "La validación del esquema corre en cada ingesta y bloquea lotes malos.",
        ),
    },
    "MD2": {
        "en": (
            "Compared offline NDCG with last A/B test by hand.",
            "Offline/online correlation report is generated after every experiment.",
        ),
        "es": (
            "Comparamos a mano AUC offline con la tasa de fraude detectada.",
            "Informe automático de correlación offline/online tras cada experimento.",
        ),
    },
    "I1": {
        "en": (
            "Retrained twice from the same snapshot; metrics within 0.2%.",
            "Nightly job trains twice and alerts on divergence.",
        ),
        "es": (
            "Reentrenamos dos veces con el mismo snapshot: diferencias mínimas.",
            "Un job nocturno entrena dos veces y avisa si divergen.",
        ),
    },
    "I6": {
        "en": (
            "Canary done manually for the last release.",
            "Canary stage added to the deploy pipeline (5% traffic, 2 h).",
        ),
        "es": (
            "Canary manual en la última versión.",
            "El despliegue pasa por canary automático (5 % del tráfico, 2 h).",
        ),
    },
    "Mo3": {
        "en": (
            "Spot-checked training/serving skew on a day of logs.",
            "Skew dashboard with alerts on feature drift between training and serving.",
        ),
        "es": (
            "Revisamos a mano el desfase entre entrenamiento y servicio con un día de logs.",
            "Alertas automáticas de desfase entre entrenamiento y servicio.",
        ),
    },
    "Mo5": {
        "en": (
            "Checked for NaNs in the last training run.",
            "Alert on NaN or infinite values in training and serving.",
        ),
        "es": (
            "Buscamos NaN a mano en el último entrenamiento.",
            "Alerta ante valores NaN o infinitos en entrenamiento y servicio.",
        ),
    },
}

GENERIC_NOTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "Done by hand this sprint; results in the team doc.",
            "Checked manually before the release review.",
            "First pass by hand, shared in the channel.",
        ),
        (
            "Now runs in CI on every change.",
            "Automated in the training pipeline.",
            "Runs on a schedule and pages on failure.",
        ),
    ),
    "es": (
        (
            "Hecho a mano este sprint; resultados en el documento del equipo.",
            "Revisado manualmente antes de la revisión de la versión.",
            "Primera pasada a mano, compartida en el canal.",
        ),
        (
            "Ya corre en CI con cada cambio.",
            "Automatizado en el pipeline de entrenamiento.",
            "Corre programado y avisa si falla.",
        ),
    ),
}

OVERALL_NOTES: dict[str, tuple[str, ...]] = {
    "en": (
        "Quiet week, mostly maintenance.",
        "Sprint focused on pipeline hygiene.",
        "Good progress; the data validation work is paying off.",
        "Half the team was at the offsite, small changes only.",
        "Paired with the platform team on monitoring.",
        "Release week: nothing new, nothing broken.",
    ),
    "es": (
        "Semana tranquila, sobre todo mantenimiento.",
        "Sprint centrado en la limpieza del pipeline.",
        "Buen avance; la validación de datos empieza a notarse.",
        "Medio equipo de vacaciones, pocos cambios.",
        "Trabajamos con plataforma en la monitorización.",
        "Semana de release: nada nuevo, nada roto.",
    ),
}

REGRESSION_TEAM = "fraude"
REGRESSION_ITEMS = ("FD1", "Mo2", "I3")
REGRESSION_NOTE = (
    "La actualización de Spark rompió la validación del esquema y el test de integración; "
    "lo arreglamos la semana que viene."
)
REGRESSION_ITEM_NOTE = "Roto tras la actualización de Spark 4; en revisión."
REGRESSION_FIXED_NOTE = "Arreglado tras la actualización de Spark 4; con test de regresión."

SKIP_TEAM = "vision"

STAGE_CHANGE_TEAM = "search"
STAGE_CHANGE_TO = Stage.PRODUCTION

LAUNCH_NOTE = "Launched to 100% of traffic this week 🚀"

ESCAPING_NOTE = (
    "Fixed the <script>alert('xss')</script> injection in the labelling tool & added a test for it."
)
"""The last note of the Vision team: user text with markup, which the report must show as text."""
