"""schemathesis hooks for motcua (loaded by run.sh through SCHEMATHESIS_HOOKS).

One hook: a generated `Idempotency-Key` that is valid is made unique to its request. A key names one request:
the API answers a key reused for a *different* request with 422 `idempotency_key_reused` (as the IETF draft
says), and a fuzzer drawing the key `0` for two different requests would otherwise see that as a valid request
rejected. Invalid keys are sent as generated, so negative tests of the header keep their teeth. Replays with the
same key and request are tested in integration-tests (idempotency).
"""

import itertools
import re
import uuid

import schemathesis

VALID = re.compile(r"[!-~]{1,200}")
RUN = uuid.uuid4().hex[:8]
COUNTER = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if not headers:
        return
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID.fullmatch(value):
            suffix = f".{RUN}.{next(COUNTER)}"
            headers[name] = value[: 200 - len(suffix)] + suffix
