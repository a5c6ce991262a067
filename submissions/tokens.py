"""Signed links for guests: one confirms the email address, the other opens their submission."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "submissions.guest.confirm"
ACCESS_SALT = "submissions.guest.access"


class InvalidToken(Exception):
    pass


def _dumps(submission, salt):
    return signing.dumps({"s": submission.pk, "e": submission.guest_email.lower()}, salt=salt, compress=True)


def _loads(token, salt, max_age):
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
        return int(data["s"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:  # BadSignature covers expiry
        raise InvalidToken from error


def confirm_token(submission) -> str:
    return _dumps(submission, CONFIRM_SALT)


def access_token(submission) -> str:
    return _dumps(submission, ACCESS_SALT)


def load_confirm(token) -> tuple[int, str]:
    return _loads(token, CONFIRM_SALT, settings.SUBMISSION_GUEST_CONFIRM_MAX_AGE)


def load_access(token) -> tuple[int, str]:
    return _loads(token, ACCESS_SALT, settings.SUBMISSION_GUEST_ACCESS_MAX_AGE)
