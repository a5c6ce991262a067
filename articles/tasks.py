from django.tasks import task

from articles import cover_files
from articles.models import Article


@task
def generate_cover(article_id: int) -> str:
    article = Article.objects.select_related("category").get(pk=article_id)
    return cover_files.generate(article)
