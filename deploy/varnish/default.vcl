# Varnish 7.1 in front of Newsroom (README, "Production"). Django decides what may be stored
# (newsroom/http_cache.py): anonymous public pages say `public, s-maxage=…` and carry `xkey` tags,
# everything else says `private`. The application purges tags after every change with
# `PURGE` and an `xkey-purge` header (HTTP_CACHE_PURGE_URL).
vcl 4.1;

import std;
import xkey;

# The application server: the one line to change.
backend default { .host = "127.0.0.1"; .port = "8000"; }

# Only this machine may purge. A proxy on this machine in front of Varnish (TLS) must refuse
# the PURGE method itself, or every client would come from loopback.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header"));
        }
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Signed-in readers, and anyone with a flash message waiting, get their own page.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Looked up by host and URL only (the default vcl_hash), whatever the cookies. The Cookie header
    # still reaches the application on a miss, so a form page (never stored) gets its CSRF cookie.
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Set-Cookie
        || !beresp.http.Cache-Control
        || beresp.http.Cache-Control ~ "(?i)private|no-store|no-cache"
        || beresp.http.Vary == "*") {
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;
        return (deliver);
    }
    # Varnish gives 451 no lifetime of its own; the application's s-maxage applies as for 404 and 410.
    if (beresp.status == 451 && beresp.http.Cache-Control ~ "s-maxage=\d+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control, "^.*s-maxage=(\d+).*$", "\1s"), 0s);
    }
    # Which cookies a reader has was decided above: a stored page must not be split by them.
    if (beresp.http.Vary) {
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)(^|,)\s*cookie\s*(?=,|$)", "");
        set beresp.http.Vary = regsub(beresp.http.Vary, "^\s*,\s*", "");
        if (beresp.http.Vary == "") {
            unset beresp.http.Vary;
        }
    }
    return (deliver);
}

sub vcl_deliver {
    # The tags are for this cache (and a CDN's), not for browsers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
