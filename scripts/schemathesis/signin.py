"""Signs in at motcua's stand-in identity providers like a browser would.

    python3 signin.py BASE_URL staff hacthanh.motcua      # prints "cookie csrf"
    python3 signin.py BASE_URL citizen vneid-0001

`sign_in()` is what wfc_auth.py uses. Only the stand-ins (sim/eid) show a page where an account is picked by
its `sub`; a real provider would ask for a password.
"""

import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request


def sign_in(base: str, who: str, sub: str) -> tuple[str, str]:
    """Returns the `motcua_session` cookie and the session's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    r = opener.open(f"{base}/auth/login?who={who}")
    page = r.read().decode()
    m = re.search(r'action="(/interaction/[^"]+/login)"', page)
    if m is None:
        raise RuntimeError(f"no login form at the {who} identity provider ({r.geturl()})")
    origin = urllib.parse.urlsplit(r.geturl())
    url = f"{origin.scheme}://{origin.netloc}{m.group(1)}"
    opener.open(url, data=urllib.parse.urlencode({"sub": sub}).encode()).read()
    me = json.loads(opener.open(f"{base}/api/v1/me").read())
    cookie = next((c.value for c in jar if c.name == "motcua_session"), None)
    if cookie is None:
        raise RuntimeError(f"{who} {sub}: signed in but no motcua_session cookie")
    return cookie, me["csrf_token"]


if __name__ == "__main__":
    print(*sign_in(*sys.argv[1:4]))
