"""Bring generated cover images up to date, with a progress bar.

    manage.py generate_covers                   # every generated cover whose content or generator changed
    manage.py generate_covers --only-missing    # only articles that have no cover files yet
    manage.py generate_covers --slug a --slug b # just these articles
    manage.py generate_covers --force           # redraw even covers that look current

Uploaded replacement covers are left alone. Old files of a redrawn cover are deleted.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import cover_files, covers
from articles.models import Article


class Command(BaseCommand):
    help = "Generate or regenerate article cover images (all, --only-missing, or --slug SLUG)."

    def add_arguments(self, parser):
        parser.add_argument("--only-missing", action="store_true", help="Only articles without cover files.")
        parser.add_argument("--slug", action="append", default=[], metavar="SLUG",
                            help="Only this article (repeat for more).")
        parser.add_argument("--force", action="store_true", help="Redraw even covers that are up to date.")
        parser.add_argument("--status", action="append", default=[], choices=Article.Status.values,
                            help="Only articles in this status (repeat for more); default: all.")

    def handle(self, *args, only_missing=False, slug=(), force=False, status=(), verbosity=1, **options):
        articles = Article.objects.filter(cover_source=Article.CoverSource.GENERATED).select_related("category")
        if slug:
            articles = articles.filter(slug__in=slug)
            unknown = set(slug) - set(articles.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No article with a generated cover has the slug: {', '.join(sorted(unknown))}")
        if status:
            articles = articles.filter(status__in=status)
        try:
            covers.find_font()
        except covers.CoverFontMissing as error:
            raise CommandError(str(error)) from error

        total = articles.count()
        drawn = skipped = 0
        failed = []
        stream = getattr(self.stderr, "_out", sys.stderr)
        progress = tqdm(articles.order_by("pk").iterator(chunk_size=100), total=total, unit="article",
                        desc="Covers", file=stream, disable=verbosity == 0, dynamic_ncols=True)
        for article in progress:
            if only_missing and cover_files.has_files(article):
                skipped += 1
                continue
            if not force and cover_files.is_current(article):
                skipped += 1
                continue
            try:
                cover_hash = cover_files.generate(article, force=force)
            except Exception as error:  # one broken article must not stop a run over thousands
                failed.append(f"{article.slug}: {error}")
                continue
            cover_files.delete_stale(article.pk, keep={cover_hash})
            drawn += 1
        progress.close()

        if verbosity:
            self.stdout.write(f"Covers drawn: {drawn}; already up to date: {skipped}; failed: {len(failed)}.")
        if failed:
            raise CommandError("Some covers could not be drawn:\n" + "\n".join(failed))
