"""Media (covers, uploads) in an S3 bucket, when MEDIA_S3_BUCKET is set (see settings.media_storage()).

Every process reads and writes media through Django's storage API, so the worker that draws a cover and
the web server that links it may run on different machines.

What readers see is public: covers and authors' avatars get plain, unsigned URLs (on the CDN's domain
when MEDIA_S3_CUSTOM_DOMAIN is set), which cached pages can keep. Everything else, contributors' photos
above all, stays private in the bucket: its URL is signed and expires (MEDIA_S3_SIGNED_URL_SECONDS), so
only the staff and contributors whose pages show it can fetch it, and only for a while.
"""

from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Name prefixes of public files: articles/cover_files.py (covers) and articles.models.avatar_upload_to.
PUBLIC_PREFIXES = ("covers/", "avatars/")
# Cover file names carry a hash of their content, so a cache may keep them for good.
IMMUTABLE_PREFIXES = ("covers/",)
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"


def is_public(name):
    return name.startswith(PUBLIC_PREFIXES)


class MediaStorage(S3Storage):
    def __init__(self, *, public_acl="public-read", **options):
        # public_acl: the canned ACL that lets anyone read a public file; empty when the bucket has ACLs
        # disabled and a bucket policy (or the CDN's own access to the bucket) grants that read instead.
        self.public_acl = public_acl
        # A second upload under a taken name gets a new name, as on the file system, never overwrites.
        options.setdefault("file_overwrite", False)
        super().__init__(**options)

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if is_public(name) and self.public_acl:
            params["ACL"] = self.public_acl
        if name.startswith(IMMUTABLE_PREFIXES):
            params["CacheControl"] = IMMUTABLE_CACHE_CONTROL
        return params

    def url(self, name, parameters=None, expire=None, http_method=None):
        key = self._normalize_name(clean_name(name))
        if is_public(key) and self.custom_domain:
            return f"{self.url_protocol}//{self.custom_domain}/{filepath_to_uri(key)}"
        # A private file is always signed by the bucket itself: a CDN in front serves public files only.
        connection = self.unsigned_connection if is_public(key) else self.connection
        return connection.meta.client.generate_presigned_url(
            "get_object",
            Params={**(parameters or {}), "Bucket": self.bucket_name, "Key": key},
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )
