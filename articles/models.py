from django.conf import settings
from django.db import models
from django.db.models import Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from articles import cache_tags, search, text
from newsroom import privacy, public_cache


class Language(models.TextChoices):
    EN = "en", _("English")
    KO = "ko", _("Korean")


class PublicContent(models.Model):
    """A model shown on public pages: saving or deleting one makes the cached pages that show it stale."""

    class Meta:
        abstract = True

    def changed_tags(self):
        """The cache tags of what a change of this row touches (articles/cache_tags.py)."""
        raise NotImplementedError

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        public_cache.invalidate(self.changed_tags())

    def delete(self, *args, **kwargs):
        tags = self.changed_tags()
        result = super().delete(*args, **kwargs)
        public_cache.invalidate(tags)
        return result


class LocalizedNameMixin:
    """Pick the Korean name (and description) for Korean readers when one is set."""

    def _localized(self, field):
        if translation.get_language() == Language.KO and getattr(self, f"{field}_ko", ""):
            return getattr(self, f"{field}_ko")
        return getattr(self, field)

    @property
    def display_name(self):
        return self._localized("name")

    @property
    def display_description(self):
        return self._localized("description")


class Category(LocalizedNameMixin, PublicContent):
    name = models.CharField(_("name"), max_length=80)
    name_ko = models.CharField(_("Korean name"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_ko = models.TextField(_("Korean description"), blank=True)
    # The cover generator draws its palette from this colour.
    color = models.CharField(_("colour"), max_length=7, default="#1f4e79", help_text=_("Hex colour, e.g. #1f4e79"))
    position = models.PositiveSmallIntegerField(_("position in the menu"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        # Form choices (the section on /submit/) and any other plain rendering follow the reader's language.
        return self.display_name

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})

    def changed_tags(self):
        # The menu on every page, the section's page and its stories (their kicker), the sitemap.
        return {cache_tags.SECTIONS, cache_tags.section(self.pk), cache_tags.SITEMAP, public_cache.NOT_FOUND_TAG}


class Tag(PublicContent):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})

    def changed_tags(self):
        return {cache_tags.tag(self.pk), public_cache.NOT_FOUND_TAG}


def avatar_upload_to(profile, filename):
    return f"avatars/{profile.user_id}/{filename}"


class AuthorProfile(PublicContent):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=100)
    bio = models.TextField(_("bio"), blank=True, max_length=2000)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)

    class Meta:
        verbose_name = _("author profile")
        verbose_name_plural = _("author profiles")

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"username": self.user.username})

    def changed_tags(self):
        return {cache_tags.author(self.user_id), public_cache.NOT_FOUND_TAG}


class ArticleQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """For columns that leave a story in the listings it is in (covers, translation links, featured):
        the pages showing these stories and the site's lists are made stale. A move between listings
        (status, section, author, language, date) goes through save(), which knows where it was listed."""
        if cache_tags.LISTING_FIELDS & kwargs.keys():
            raise ValueError(f"Save the article to change {sorted(cache_tags.LISTING_FIELDS & kwargs.keys())}.")
        ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        public_cache.invalidate({*map(cache_tags.article, ids), *cache_tags.ARTICLE_LISTS})
        return rows

    @staticmethod
    def _public():
        """The only definition of what readers may see."""
        # Now() is evaluated by the database, so the SQL is the same on every request
        # (articles/pagination.py caches counts by query).
        return Q(status=Article.Status.PUBLISHED, published_at__lte=Now())

    def published(self):
        return self.filter(self._public())

    def hidden(self):
        """What readers may not see. Among ids already in hand, SQLite keeps to the primary key for this
        (an equality on status, as in published(), would tempt it onto the status index)."""
        return self.exclude(self._public())

    @classmethod
    def public_condition(cls, prefix=""):
        """Whether readers may see a row, as a selected column (True/False), for ids already in hand:
        in the WHERE clause, the equality on status would lead SQLite onto the status index."""
        condition = Q(**{f"{prefix}{name}": value for name, value in cls._public().children})
        return ExpressionWrapper(condition, output_field=models.BooleanField())

    def for_cards(self):
        """What a listing card shows, in a fixed number of queries."""
        return self.select_related("category", "author__profile").only(
            "id", "title", "slug", "summary", "language", "published_at", "reading_minutes",
            "cover_hash", "cover_source", "featured", "status",
            "category__id", "category__name", "category__name_ko", "category__slug", "category__color",
            "author__id", "author__username", "author__first_name", "author__last_name", "author__is_active",
            "author__profile__id", "author__profile__display_name",
        )

    def reader_language_first(self, language=None):
        language = language or translation.get_language() or Language.EN
        return self.annotate(
            in_reader_language=Case(When(language=language, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-in_reader_language", "-published_at", "-id")

    def latest(self):
        return self.order_by("-published_at", "-id")


class Article(PublicContent):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISABLED = "disabled", _("Disabled (legal)")

    class CoverSource(models.TextChoices):
        GENERATED = "generated", _("Computer-generated art")
        UPLOADED = "uploaded", _("Uploaded image")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    summary = models.TextField(_("summary"), max_length=500)
    body = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (sanitized HTML)"), editable=False, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    disclaimers = models.ManyToManyField("Disclaimer", blank=True, related_name="articles")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    featured = models.BooleanField(_("featured"), default=False)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reading_minutes = models.PositiveSmallIntegerField(_("reading time (minutes)"), default=1, editable=False)
    # Covers are files named after this hash (see articles/cover_files.py): a new
    # image gets a new name, so browsers and CDNs can cache them forever.
    cover_hash = models.CharField(max_length=16, blank=True, editable=False)
    cover_source = models.CharField(max_length=10, choices=CoverSource.choices, default=CoverSource.GENERATED)
    # Which variation of the generated art: "Redraw the generated cover" moves to the next one.
    cover_variation = models.PositiveIntegerField(default=0, editable=False)
    # An uploaded replacement cover: the cleaned original, kept so its sizes can be derived again.
    cover_original = models.FileField(max_length=255, blank=True, editable=False)
    # The photo a contributor sent with the story (kept on approval): the admin offers it as the cover.
    contributor_photo = models.FileField(_("contributor's photo"), max_length=255, blank=True, editable=False)
    cover_credit = models.CharField(
        _("cover credit"), max_length=200, blank=True,
        help_text=_("For an uploaded cover: who made the image, shown in its caption (e.g. “Photo: Mina Park”)."),
    )
    # Pre-tokenised title/summary/body for the search index (articles/search.py).
    search_text = models.TextField(blank=True, editable=False)
    # Both stories point at each other: only publishing.link_translation/unlink_translation write it.
    translation = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("translation"),
        help_text=_("The same story in the other language. Readers are offered it once both are published."),
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub_idx"),
            # Listings read the reader's language first (articles/pagination.py).
            models.Index(fields=["language", "status", "-published_at", "-id"], name="article_lang_pub_idx"),
            models.Index(fields=["category", "status", "-published_at"], name="article_cat_pub_idx"),
            models.Index(fields=["author", "status", "-published_at"], name="article_author_pub_idx"),
            models.Index(fields=["status", "featured", "-published_at"], name="article_featured_idx"),
            models.Index(fields=["status", "publish_at"], name="article_scheduled_idx"),
            # The admin's article list, newest first, whatever the status.
            models.Index(fields=["-published_at", "-id"], name="article_pub_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def get_canonical_path(self):
        """The address in the story's own language (/ko/… for a Korean story), whatever the reader's."""
        with translation.override(self.language):
            return self.get_absolute_url()

    # What places a story in listings: a save that changes one of them makes those listings stale.
    LISTED_BY = ("status", "published_at", "category_id", "author_id", "language")

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        article = super().from_db(db, field_names, values, **kwargs)
        article._listed_as = article._listing()
        return article

    def _listing(self):
        # The loaded values only: a column left out of the query (for_cards) is not read for this.
        return tuple(self.__dict__.get(name) for name in self.LISTED_BY)

    def save(self, *args, **kwargs):
        # Derived fields are computed when content is written, never per request.
        self.body_html = text.render_markdown(self.body)
        self.reading_minutes = text.reading_minutes(self.body, self.language)
        self.search_text = search.index_tokens(self.title, self.summary, self.body)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "reading_minutes", "search_text"}
        self._adding = self._state.adding
        super().save(*args, **kwargs)
        self._listed_as = self._listing()

    def delete(self, *args, **kwargs):
        self._listed_as = None  # it leaves every listing
        return super().delete(*args, **kwargs)

    def changed_tags(self):
        before = getattr(self, "_listed_as", None)
        moved = before != self._listing()
        # A new story has no tags yet: they are added after it (and _tags_changed names them).
        tag_ids = list(self.tags.values_list("pk", flat=True)) if moved and not getattr(self, "_adding", False) else ()
        return cache_tags.article_changed(self, moved=moved, before=before and (before[2], before[3]), tag_ids=tag_ids)

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at and self.published_at <= timezone.now()

    @property
    def public_translation(self):
        """The translation, when readers may see it (select_related("translation") spares the query)."""
        edition = self.translation if self.translation_id else None
        return edition if edition is not None and edition.is_public else None

    @property
    def author_is_former(self):
        """The author deleted their account (newsroom/privacy.py): the story stays, by "former contributor"."""
        return privacy.is_former(self.author)

    @property
    def author_name(self):
        if self.author_is_former:
            return str(privacy.FORMER_CONTRIBUTOR)
        profile = getattr(self.author, "profile", None)
        return profile.display_name if profile else (self.author.get_full_name() or self.author.username)


class ArticleEvent(models.Model):
    """Append-only log of every status change of an article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    from_status = models.CharField(max_length=12, choices=Article.Status.choices)
    to_status = models.CharField(max_length=12, choices=Article.Status.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("article event")
        verbose_name_plural = _("article events")

    def __str__(self):
        return f"{self.article_id}: {self.from_status} → {self.to_status}"


class SlugRedirect(models.Model):
    """An address an article answered at before its slug changed: it keeps answering, with a 301."""

    old_slug = models.SlugField(_("old slug"), max_length=220, unique=True, allow_unicode=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return f"{self.old_slug} → {self.article_id}"


class Disclaimer(PublicContent):
    class Kind(models.TextChoices):
        COVER_ART = "cover_art", _("Cover art")
        OPINION = "opinion", _("Opinion")
        SUBMITTED = "submitted", _("Submitted by a user")
        COPYRIGHT = "copyright", _("Copyright contact")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("internal name"), max_length=100)
    text_en = models.TextField(_("text (English)"), help_text=_("Markdown; {copyright_email} and {report_url} are replaced."))
    text_ko = models.TextField(_("text (Korean)"), help_text=_("Markdown; {copyright_email} and {report_url} are replaced."))
    html_en = models.TextField(editable=False, blank=True)
    html_ko = models.TextField(editable=False, blank=True)
    is_default = models.BooleanField(_("attach to new articles"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("disclaimer")
        verbose_name_plural = _("disclaimers")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.html_en = text.render_markdown(self.text_en)
        self.html_ko = text.render_markdown(self.text_ko)
        super().save(*args, **kwargs)

    def changed_tags(self):
        return {cache_tags.DISCLAIMERS}

    def html_for(self, language):
        """Sanitized HTML in `language`, placeholders still to be filled (see articles_tags.disclaimer)."""
        return self.html_ko if language == Language.KO and self.html_ko else self.html_en


class Page(PublicContent):
    """Legal and help pages, editable by staff in the admin without a deploy."""

    class Slug(models.TextChoices):
        GUIDELINES = "guidelines", _("Submission Rules and Guidelines")
        PRIVACY = "privacy", _("Privacy policy")
        TERMS = "terms", _("Terms of service")
        LEGAL = "legal", _("Legal notice")

    slug = models.CharField(_("page"), max_length=20, choices=Slug.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["slug", "language"]
        constraints = [models.UniqueConstraint(fields=["slug", "language"], name="page_unique_slug_language")]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self):
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs):
        self.body_html = text.render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        with translation.override(self.language):
            return reverse("articles:page", kwargs={"slug": self.slug})

    def changed_tags(self):
        # By slug: the English page also answers for a language that has none of its own.
        return {cache_tags.page(self.slug), cache_tags.SITEMAP, public_cache.NOT_FOUND_TAG}


class NewsletterSubscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        # Mail to the address bounced for good, or its owner marked the newsletter as spam: never mail it again.
        SUPPRESSED = "suppressed", _("Suppressed")

    class Suppression(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")

    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suppression_reason = models.CharField(_("suppression reason"), max_length=12, choices=Suppression.choices,
                                          blank=True)
    suppressed_at = models.DateTimeField(_("suppressed"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        indexes = [
            # Queueing an edition reads the confirmed subscribers of one language in id order.
            models.Index(fields=["language", "status", "id"], name="subscriber_lang_status_idx"),
        ]

    def __str__(self):
        return self.email


class SubscriberEvent(models.Model):
    """Append-only log of every status change of a newsletter subscription, and how it happened."""

    subscriber = models.ForeignKey(NewsletterSubscriber, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=12, choices=NewsletterSubscriber.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=NewsletterSubscriber.Status.choices)
    reason = models.CharField(_("how"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")

    def __str__(self):
        return f"{self.subscriber_id}: {self.from_status or '-'} → {self.to_status}"


def _tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A story's tags changed (the admin sets them after saving the story): its page, and the listings
    of the tags it joined or left."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # tag.articles.add(…): `instance` is the tag
        ids = pk_set if pk_set is not None else instance.articles.values_list("pk", flat=True)
        public_cache.invalidate({cache_tags.tag(instance.pk), *map(cache_tags.article, ids)})
    else:
        ids = pk_set if pk_set is not None else instance.tags.values_list("pk", flat=True)
        public_cache.invalidate({cache_tags.article(instance.pk), *map(cache_tags.tag, ids)})


m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="articles.models._tags_changed")
class Edition(models.Model):
    """One newsletter issue in one language: its stories in order, an introduction, and when it went out.

    Its status moves only through articles/newsletter_editions.py.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              editable=False)
    introduction = models.TextField(_("introduction"), blank=True,
                                    help_text=_("Optional: a few sentences above the stories (plain text)."))
    stories = models.ManyToManyField(Article, through="EditionStory", related_name="editions", blank=True)
    period_start = models.DateTimeField(_("stories published after"), null=True, blank=True)
    period_end = models.DateTimeField(_("stories published until"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    # Counts of its deliveries, kept up to date while it is sent and when bounces come in.
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    sent_count = models.PositiveIntegerField(_("sent"), default=0, editable=False)
    failed_count = models.PositiveIntegerField(_("failed"), default=0, editable=False)
    bounced_count = models.PositiveIntegerField(_("bounced"), default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("newsletter edition")
        verbose_name_plural = _("newsletter editions")
        indexes = [models.Index(fields=["language", "status", "started_at"], name="edition_lang_status_idx")]

    def __str__(self):
        when = self.sent_at or self.started_at or self.scheduled_for or self.created_at
        return f"{self.get_language_display()} · {when:%Y-%m-%d}" if when else self.get_language_display()


class EditionStory(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="edition_stories")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", verbose_name=_("story"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["edition", "article"], name="edition_story_unique")]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self):
        return f"{self.position}. {self.article.title}"


class Delivery(models.Model):
    """One edition to one subscriber: created before anything is sent, claimed, then marked; never twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(NewsletterSubscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # Set when claimed, so a bounce of the message finds its delivery even if the sender died before marking it.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")
        constraints = [models.UniqueConstraint(fields=["edition", "subscriber"], name="delivery_unique_subscriber")]
        indexes = [models.Index(fields=["edition", "status", "id"], name="delivery_edition_status_idx")]

    def __str__(self):
        return f"{self.edition_id} → {self.subscriber_id}: {self.status}"
