"""Suite-wide settings: the typed-IR verifier (``dispatchjit.verify``) checks every closure the
driver infers, here and in the subprocesses tests start (they inherit the environment)."""

import os

os.environ.setdefault("DISPATCHJIT_VERIFY", "1")
