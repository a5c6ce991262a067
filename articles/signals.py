"""What the Article workflow tells the rest of the site, after the change has committed.

Imports go one way (submissions uses articles, never the reverse), so an app that must act on an
article's publication (the submissions app emails the contributor) connects a receiver here in its
AppConfig.ready(). Signals are sent from transaction.on_commit: a receiver never sees a change that
was rolled back, and it enqueues its own work (emails are tasks) rather than doing it inline.
"""

from django.dispatch import Signal

# Sent once when an article becomes public for the first time (publish(), now or on schedule);
# not on a restore after a copyright case. Arguments: article_id.
article_published = Signal()
