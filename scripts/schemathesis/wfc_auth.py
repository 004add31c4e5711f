"""Writes the Web Fuzzing Commons auth document schemathesis runs with: one signed-in session per identity.

    python3 wfc_auth.py BASE_URL SIM_URL OUT.json

Order matters: schemathesis sends every operation as the first identity, then (after a 401/403) as nobody,
then as the next ones in turn, and keeps the first that is admitted. So the citizens come first, then the
clerks, the administrators, and the national portal's bearer token last.
"""

import json
import sys
import urllib.request

from signin import sign_in

# (WFC name, identity provider, account) — every one is a demo account of sim/eid/accounts.json.
PEOPLE = [
    ("citizen-an", "citizen", "vneid-0001"),  # Nguyễn Văn An
    ("citizen-ngoc", "citizen", "vneid-0002"),  # Trần Thị Bích Ngọc
    ("clerk-hacthanh", "staff", "hacthanh.motcua"),  # receiving clerk, phường Hạc Thành
    ("clerk-stp", "staff", "stp.motcua"),  # receiving clerk of another agency, Sở Tư pháp
    ("leader-hacthanh", "staff", "hacthanh.chutich"),  # leader: approvals, reports
    ("admin-hacthanh", "staff", "hacthanh.quantri"),  # the ward's agency administrator
    ("admin-tinh", "staff", "tinh.quantri"),  # system administrator (/api/v1/admin/*, calendar, catalogue)
]


def mint_portal_token(sim: str) -> str:
    """A sharing-platform JWT as the national portal presents it, valid for the whole run."""
    req = urllib.request.Request(
        f"{sim}/_sim/mint",
        data=json.dumps({"aud": "motcua", "scope": "dvcqg", "exp_in_secs": 3600}).encode(),
        headers={"content-type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(req).read())["token"]


def main(base: str, sim: str, out: str) -> None:
    auth = []
    for name, who, sub in PEOPLE:
        cookie, csrf = sign_in(base, who, sub)
        auth.append(
            {
                "name": name,
                "fixedHeaders": [
                    {"name": "Cookie", "value": f"motcua_session={cookie}"},
                    {"name": "x-csrf-token", "value": csrf},
                ],
            }
        )
    token = mint_portal_token(sim)
    auth.append({"name": "national-portal", "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"auth": auth}, f, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:4])
