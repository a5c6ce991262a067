"""Time cover generation: every size and format for N synthetic articles, half English, half Korean.

Touches no database and writes no files, so it is safe to run anywhere the fonts are installed.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from articles import covers

ENGLISH = (
    "City council approves new budget for public transit expansion",
    "Local bakery wins national award",
    "What the new zoning rules mean for renters across the river district",
    "Scientists map a deep-sea ecosystem near hydrothermal vents",
    "School board delays vote on later start times",
)
KOREAN = (
    "서울시, 대중교통 확대를 위한 새 예산안 승인",
    "올여름 폭염 대비 무더위 쉼터 운영 시간 연장",
    "초등학생 코딩 교육 의무화 논의 본격화",
    "지역 도서관, 주말 야간 개방 시범 운영",
    "전통시장 활성화 위한 상인회와 구청의 새로운 협약 체결",
)
CATEGORIES = (("Politics", "정치", "#1f4e79"), ("Business", "경제", "#b5542b"), ("Science", "과학", "#6a3d9a"),
              ("Society", "사회", "#2e7d4f"), ("Opinion", "오피니언", "#777777"))


def synthetic_article(i: int) -> dict:
    """The i-th test article: alternating languages, titles and categories varied so every cover differs."""
    name, name_ko, color = CATEGORIES[i % len(CATEGORIES)]
    if i % 2:
        title, category, language = f"{KOREAN[i // 2 % len(KOREAN)]} ({i})", name_ko, "ko"
    else:
        title, category, language = f"{ENGLISH[i // 2 % len(ENGLISH)]} ({i})", name, "en"
    return {"title": title, "category": category, "color": color, "language": language, "seed": f"bench-{i}"}


class Command(BaseCommand):
    help = "Benchmark cover generation (all sizes and formats) without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=30, help="How many articles to render (default 30).")

    def handle(self, *args, count=30, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        try:
            covers.render(**synthetic_article(-1))  # loads fonts and warms caches outside the timing
        except covers.CoverFontMissing as exc:
            raise CommandError(str(exc)) from exc

        timings, total_bytes = [], 0
        for i in range(count):
            started = time.perf_counter()
            outputs = covers.render(**synthetic_article(i))
            timings.append((time.perf_counter() - started) * 1000)
            total_bytes += sum(len(data) for data in outputs.values())

        timings.sort()
        p90 = timings[min(len(timings) - 1, round(0.9 * (len(timings) - 1)))]
        outputs_per_article = len(covers.SIZES) * len(covers.FORMATS)
        self.stdout.write(
            f"{count} articles x {outputs_per_article} outputs "
            f"({', '.join(covers.SIZES)} x {', '.join(covers.FORMATS)})\n"
            f"median {statistics.median(timings):.1f} ms, p90 {p90:.1f} ms, "
            f"min {timings[0]:.1f} ms, max {timings[-1]:.1f} ms per article\n"
            f"average {total_bytes / count / 1024:.0f} KiB of images per article"
        )
